using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Aibench.Migrations.Postgres.Monitor
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "monitor");

            migrationBuilder.CreateTable(
                name: "metric_samples",
                schema: "monitor",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ServiceId = table.Column<Guid>(type: "uuid", nullable: true),
                    ExperimentId = table.Column<Guid>(type: "uuid", nullable: true),
                    Name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Labels = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: false),
                    Timestamp = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Value = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_metric_samples", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_metric_samples_ExperimentId_Name_Timestamp",
                schema: "monitor",
                table: "metric_samples",
                columns: new[] { "ExperimentId", "Name", "Timestamp" });

            migrationBuilder.CreateIndex(
                name: "IX_metric_samples_ServiceId_Name_Timestamp",
                schema: "monitor",
                table: "metric_samples",
                columns: new[] { "ServiceId", "Name", "Timestamp" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "metric_samples",
                schema: "monitor");
        }
    }
}
