using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Monitor
{
    /// <inheritdoc />
    public partial class Scraping : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "scrape_targets",
                schema: "monitor",
                columns: table => new
                {
                    Key = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    ServiceId = table.Column<Guid>(type: "uuid", nullable: true),
                    ExperimentId = table.Column<Guid>(type: "uuid", nullable: true),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    Replica = table.Column<int>(type: "integer", nullable: true),
                    Node = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    Up = table.Column<bool>(type: "boolean", nullable: false),
                    LastScrapeAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastDurationMs = table.Column<double>(type: "double precision", nullable: false),
                    LastSamples = table.Column<int>(type: "integer", nullable: false),
                    LastMalformed = table.Column<int>(type: "integer", nullable: false),
                    LastError = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scrape_targets", x => x.Key);
                });

            migrationBuilder.CreateIndex(
                name: "IX_metric_samples_Timestamp",
                schema: "monitor",
                table: "metric_samples",
                column: "Timestamp");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "scrape_targets",
                schema: "monitor");

            migrationBuilder.DropIndex(
                name: "IX_metric_samples_Timestamp",
                schema: "monitor",
                table: "metric_samples");
        }
    }
}
