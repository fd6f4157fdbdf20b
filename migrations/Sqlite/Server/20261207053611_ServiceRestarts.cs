using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Server
{
    /// <inheritdoc />
    public partial class ServiceRestarts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Attempt",
                table: "server_services",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<long>(
                name: "ReadyAt",
                table: "server_services",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RestartAt",
                table: "server_services",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RestartBackoffSeconds",
                table: "server_services",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "RestartMax",
                table: "server_services",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<long>(
                name: "FailingSince",
                table: "server_service_endpoints",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "server_service_attempts",
                columns: table => new
                {
                    ServiceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    JobId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    NodeList = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ReadyAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EndedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    Restarted = table.Column<bool>(type: "INTEGER", nullable: false),
                    LastLines = table.Column<string>(type: "TEXT", maxLength: 8192, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_server_service_attempts", x => new { x.ServiceId, x.Number });
                    table.ForeignKey(
                        name: "FK_server_service_attempts_server_services_ServiceId",
                        column: x => x.ServiceId,
                        principalTable: "server_services",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "server_service_attempts");

            migrationBuilder.DropColumn(
                name: "Attempt",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "ReadyAt",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "RestartAt",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "RestartBackoffSeconds",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "RestartMax",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "FailingSince",
                table: "server_service_endpoints");
        }
    }
}
