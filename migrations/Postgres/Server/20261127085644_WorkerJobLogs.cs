using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Server
{
    /// <inheritdoc />
    public partial class WorkerJobLogs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "worker_jobs",
                schema: "server",
                columns: table => new
                {
                    BenchmarkId = table.Column<Guid>(type: "uuid", nullable: false),
                    JobId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RunFolder = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: false),
                    Scheduler = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Tasks = table.Column<int>(type: "integer", nullable: false),
                    State = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    EndedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_worker_jobs", x => x.BenchmarkId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_worker_jobs_EndedAt",
                schema: "server",
                table: "worker_jobs",
                column: "EndedAt");

            migrationBuilder.CreateIndex(
                name: "IX_worker_jobs_JobId",
                schema: "server",
                table: "worker_jobs",
                column: "JobId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "worker_jobs",
                schema: "server");
        }
    }
}
