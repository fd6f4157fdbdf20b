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
            // Samples of the first layout (label text on every row) cannot be tied to series; nothing scraped into it before.
            migrationBuilder.Sql("DELETE FROM monitor_metric_samples;");

            migrationBuilder.DropIndex(
                name: "IX_monitor_metric_samples_ExperimentId_Name_Timestamp",
                table: "monitor_metric_samples");

            migrationBuilder.DropIndex(
                name: "IX_monitor_metric_samples_ServiceId_Name_Timestamp",
                table: "monitor_metric_samples");

            migrationBuilder.DropColumn(
                name: "ExperimentId",
                table: "monitor_metric_samples");

            migrationBuilder.DropColumn(
                name: "Labels",
                table: "monitor_metric_samples");

            migrationBuilder.DropColumn(
                name: "Name",
                table: "monitor_metric_samples");

            migrationBuilder.DropColumn(
                name: "ServiceId",
                table: "monitor_metric_samples");

            migrationBuilder.RenameColumn(
                name: "Timestamp",
                table: "monitor_metric_samples",
                newName: "TimestampMs");

            migrationBuilder.AddColumn<long>(
                name: "SeriesId",
                table: "monitor_metric_samples",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "monitor_metric_series",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ServiceId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ExperimentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Labels = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_monitor_metric_series", x => x.Id);
                });

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
                name: "IX_monitor_metric_samples_SeriesId_TimestampMs",
                table: "monitor_metric_samples",
                columns: new[] { "SeriesId", "TimestampMs" });

            migrationBuilder.CreateIndex(
                name: "IX_monitor_metric_samples_TimestampMs",
                table: "monitor_metric_samples",
                column: "TimestampMs");

            migrationBuilder.CreateIndex(
                name: "IX_monitor_metric_series_Name_ExperimentId",
                table: "monitor_metric_series",
                columns: new[] { "Name", "ExperimentId" });

            migrationBuilder.CreateIndex(
                name: "IX_monitor_metric_series_Name_ServiceId",
                table: "monitor_metric_series",
                columns: new[] { "Name", "ServiceId" });

            migrationBuilder.AddForeignKey(
                name: "FK_monitor_metric_samples_monitor_metric_series_SeriesId",
                table: "monitor_metric_samples",
                column: "SeriesId",
                principalTable: "monitor_metric_series",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_monitor_metric_samples_monitor_metric_series_SeriesId",
                table: "monitor_metric_samples");

            migrationBuilder.DropTable(
                name: "monitor_metric_series");

            migrationBuilder.DropTable(
                name: "monitor_scrape_targets");

            migrationBuilder.DropIndex(
                name: "IX_monitor_metric_samples_SeriesId_TimestampMs",
                table: "monitor_metric_samples");

            migrationBuilder.DropIndex(
                name: "IX_monitor_metric_samples_TimestampMs",
                table: "monitor_metric_samples");

            migrationBuilder.DropColumn(
                name: "SeriesId",
                table: "monitor_metric_samples");

            migrationBuilder.RenameColumn(
                name: "TimestampMs",
                table: "monitor_metric_samples",
                newName: "Timestamp");

            migrationBuilder.AddColumn<Guid>(
                name: "ExperimentId",
                table: "monitor_metric_samples",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Labels",
                table: "monitor_metric_samples",
                type: "TEXT",
                maxLength: 4096,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Name",
                table: "monitor_metric_samples",
                type: "TEXT",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<Guid>(
                name: "ServiceId",
                table: "monitor_metric_samples",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_monitor_metric_samples_ExperimentId_Name_Timestamp",
                table: "monitor_metric_samples",
                columns: new[] { "ExperimentId", "Name", "Timestamp" });

            migrationBuilder.CreateIndex(
                name: "IX_monitor_metric_samples_ServiceId_Name_Timestamp",
                table: "monitor_metric_samples",
                columns: new[] { "ServiceId", "Name", "Timestamp" });
        }
    }
}
