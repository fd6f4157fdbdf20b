using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Server
{
    /// <inheritdoc />
    public partial class WorkerJobLogs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "server_worker_jobs",
                columns: table => new
                {
                    BenchmarkId = table.Column<Guid>(type: "TEXT", nullable: false),
                    JobId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RunFolder = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    Scheduler = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Tasks = table.Column<int>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EndedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_server_worker_jobs", x => x.BenchmarkId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_server_worker_jobs_EndedAt",
                table: "server_worker_jobs",
                column: "EndedAt");

            migrationBuilder.CreateIndex(
                name: "IX_server_worker_jobs_JobId",
                table: "server_worker_jobs",
                column: "JobId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "server_worker_jobs");
        }
    }
}
