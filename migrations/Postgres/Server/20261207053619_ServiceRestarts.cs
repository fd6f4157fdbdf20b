using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Server
{
    /// <inheritdoc />
    public partial class ServiceRestarts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Attempt",
                schema: "server",
                table: "services",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ReadyAt",
                schema: "server",
                table: "services",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RestartAt",
                schema: "server",
                table: "services",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RestartBackoffSeconds",
                schema: "server",
                table: "services",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "RestartMax",
                schema: "server",
                table: "services",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "FailingSince",
                schema: "server",
                table: "service_endpoints",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "service_attempts",
                schema: "server",
                columns: table => new
                {
                    ServiceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Number = table.Column<int>(type: "integer", nullable: false),
                    JobId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    NodeList = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ReadyAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    EndedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Reason = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    Restarted = table.Column<bool>(type: "boolean", nullable: false),
                    LastLines = table.Column<string>(type: "character varying(8192)", maxLength: 8192, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_service_attempts", x => new { x.ServiceId, x.Number });
                    table.ForeignKey(
                        name: "FK_service_attempts_services_ServiceId",
                        column: x => x.ServiceId,
                        principalSchema: "server",
                        principalTable: "services",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "service_attempts",
                schema: "server");

            migrationBuilder.DropColumn(
                name: "Attempt",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "ReadyAt",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "RestartAt",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "RestartBackoffSeconds",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "RestartMax",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "FailingSince",
                schema: "server",
                table: "service_endpoints");
        }
    }
}
