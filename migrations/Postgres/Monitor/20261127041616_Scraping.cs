using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Aibench.Migrations.Postgres.Monitor
{
    /// <inheritdoc />
    public partial class Scraping : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Samples of the first layout (label text on every row) cannot be tied to series; nothing scraped into it before.
            migrationBuilder.Sql("DELETE FROM monitor.metric_samples;");

            migrationBuilder.DropIndex(
                name: "IX_metric_samples_ExperimentId_Name_Timestamp",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.DropIndex(
                name: "IX_metric_samples_ServiceId_Name_Timestamp",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.DropColumn(
                name: "ExperimentId",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.DropColumn(
                name: "Labels",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.DropColumn(
                name: "Name",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.DropColumn(
                name: "ServiceId",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.DropColumn(
                name: "Timestamp",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.AddColumn<long>(
                name: "SeriesId",
                schema: "monitor",
                table: "metric_samples",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "TimestampMs",
                schema: "monitor",
                table: "metric_samples",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "metric_series",
                schema: "monitor",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ServiceId = table.Column<Guid>(type: "uuid", nullable: true),
                    ExperimentId = table.Column<Guid>(type: "uuid", nullable: true),
                    Name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Labels = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_metric_series", x => x.Id);
                });

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
                name: "IX_metric_samples_SeriesId_TimestampMs",
                schema: "monitor",
                table: "metric_samples",
                columns: new[] { "SeriesId", "TimestampMs" });

            migrationBuilder.CreateIndex(
                name: "IX_metric_samples_TimestampMs",
                schema: "monitor",
                table: "metric_samples",
                column: "TimestampMs");

            migrationBuilder.CreateIndex(
                name: "IX_metric_series_Name_ExperimentId",
                schema: "monitor",
                table: "metric_series",
                columns: new[] { "Name", "ExperimentId" });

            migrationBuilder.CreateIndex(
                name: "IX_metric_series_Name_ServiceId",
                schema: "monitor",
                table: "metric_series",
                columns: new[] { "Name", "ServiceId" });

            migrationBuilder.AddForeignKey(
                name: "FK_metric_samples_metric_series_SeriesId",
                schema: "monitor",
                table: "metric_samples",
                column: "SeriesId",
                principalSchema: "monitor",
                principalTable: "metric_series",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_metric_samples_metric_series_SeriesId",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.DropTable(
                name: "metric_series",
                schema: "monitor");

            migrationBuilder.DropTable(
                name: "scrape_targets",
                schema: "monitor");

            migrationBuilder.DropIndex(
                name: "IX_metric_samples_SeriesId_TimestampMs",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.DropIndex(
                name: "IX_metric_samples_TimestampMs",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.DropColumn(
                name: "SeriesId",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.DropColumn(
                name: "TimestampMs",
                schema: "monitor",
                table: "metric_samples");

            migrationBuilder.AddColumn<Guid>(
                name: "ExperimentId",
                schema: "monitor",
                table: "metric_samples",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Labels",
                schema: "monitor",
                table: "metric_samples",
                type: "character varying(4096)",
                maxLength: 4096,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Name",
                schema: "monitor",
                table: "metric_samples",
                type: "character varying(256)",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<Guid>(
                name: "ServiceId",
                schema: "monitor",
                table: "metric_samples",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "Timestamp",
                schema: "monitor",
                table: "metric_samples",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

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
    }
}
