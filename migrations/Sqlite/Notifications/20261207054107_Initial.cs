using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Notifications
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "notifications_deliveries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    EventId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TargetDisplay = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    Body = table.Column<string>(type: "TEXT", nullable: false),
                    ExperimentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ServiceId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxAttempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastAttemptAt = table.Column<long>(type: "INTEGER", nullable: true),
                    NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DeliveredAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ClaimedUntil = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_notifications_deliveries", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_notifications_deliveries_CreatedAt",
                table: "notifications_deliveries",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_notifications_deliveries_EventId_Target",
                table: "notifications_deliveries",
                columns: new[] { "EventId", "Target" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_notifications_deliveries_ExperimentId",
                table: "notifications_deliveries",
                column: "ExperimentId");

            migrationBuilder.CreateIndex(
                name: "IX_notifications_deliveries_ServiceId",
                table: "notifications_deliveries",
                column: "ServiceId");

            migrationBuilder.CreateIndex(
                name: "IX_notifications_deliveries_Status_NextAttemptAt",
                table: "notifications_deliveries",
                columns: new[] { "Status", "NextAttemptAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "notifications_deliveries");
        }
    }
}
