using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Server
{
    /// <inheritdoc />
    public partial class ServiceLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Deployment",
                schema: "server",
                table: "services",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "ExpectedEndpoints",
                schema: "server",
                table: "services",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "JobName",
                schema: "server",
                table: "services",
                type: "character varying(128)",
                maxLength: 128,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "MetricsPath",
                schema: "server",
                table: "services",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "NodeList",
                schema: "server",
                table: "services",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Parameters",
                schema: "server",
                table: "services",
                type: "character varying(65536)",
                maxLength: 65536,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ReadinessPath",
                schema: "server",
                table: "services",
                type: "character varying(256)",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "ReadinessTimeoutSeconds",
                schema: "server",
                table: "services",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Scheduler",
                schema: "server",
                table: "services",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "StartedAt",
                schema: "server",
                table: "services",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Tasks",
                schema: "server",
                table: "services",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "TimeLimit",
                schema: "server",
                table: "services",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "service_endpoints",
                schema: "server",
                columns: table => new
                {
                    ServiceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Task = table.Column<int>(type: "integer", nullable: false),
                    Host = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Port = table.Column<int>(type: "integer", nullable: false),
                    Node = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Ready = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_service_endpoints", x => new { x.ServiceId, x.Task });
                    table.ForeignKey(
                        name: "FK_service_endpoints_services_ServiceId",
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
                name: "service_endpoints",
                schema: "server");

            migrationBuilder.DropColumn(
                name: "Deployment",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "ExpectedEndpoints",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "JobName",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "MetricsPath",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "NodeList",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "Parameters",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "ReadinessPath",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "ReadinessTimeoutSeconds",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "Scheduler",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "StartedAt",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "Tasks",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "TimeLimit",
                schema: "server",
                table: "services");
        }
    }
}
