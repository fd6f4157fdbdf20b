using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Monitor
{
    /// <inheritdoc />
    public partial class Scraping : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "monitor_scrape_targets",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    ServiceId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ExperimentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    Replica = table.Column<int>(type: "INTEGER", nullable: true),
                    Node = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Up = table.Column<bool>(type: "INTEGER", nullable: false),
                    LastScrapeAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastDurationMs = table.Column<double>(type: "REAL", nullable: false),
                    LastSamples = table.Column<int>(type: "INTEGER", nullable: false),
                    LastMalformed = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_monitor_scrape_targets", x => x.Key);
                });

            migrationBuilder.CreateIndex(
                name: "IX_monitor_metric_samples_Timestamp",
                table: "monitor_metric_samples",
                column: "Timestamp");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "monitor_scrape_targets");

            migrationBuilder.DropIndex(
                name: "IX_monitor_metric_samples_Timestamp",
                table: "monitor_metric_samples");
        }
    }
}
