using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Monitor
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "monitor_metric_samples",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ServiceId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ExperimentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Labels = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    Timestamp = table.Column<long>(type: "INTEGER", nullable: false),
                    Value = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_monitor_metric_samples", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_monitor_metric_samples_ExperimentId_Name_Timestamp",
                table: "monitor_metric_samples",
                columns: new[] { "ExperimentId", "Name", "Timestamp" });

            migrationBuilder.CreateIndex(
                name: "IX_monitor_metric_samples_ServiceId_Name_Timestamp",
                table: "monitor_metric_samples",
                columns: new[] { "ServiceId", "Name", "Timestamp" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "monitor_metric_samples");
        }
    }
}
