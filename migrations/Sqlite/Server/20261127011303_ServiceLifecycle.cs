using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Server
{
    /// <inheritdoc />
    public partial class ServiceLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Deployment",
                table: "server_services",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "ExpectedEndpoints",
                table: "server_services",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "JobName",
                table: "server_services",
                type: "TEXT",
                maxLength: 128,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "MetricsPath",
                table: "server_services",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "NodeList",
                table: "server_services",
                type: "TEXT",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Parameters",
                table: "server_services",
                type: "TEXT",
                maxLength: 65536,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ReadinessPath",
                table: "server_services",
                type: "TEXT",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "ReadinessTimeoutSeconds",
                table: "server_services",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Scheduler",
                table: "server_services",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "StartedAt",
                table: "server_services",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Tasks",
                table: "server_services",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "TimeLimit",
                table: "server_services",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "server_service_endpoints",
                columns: table => new
                {
                    ServiceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Task = table.Column<int>(type: "INTEGER", nullable: false),
                    Host = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Port = table.Column<int>(type: "INTEGER", nullable: false),
                    Node = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Ready = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_server_service_endpoints", x => new { x.ServiceId, x.Task });
                    table.ForeignKey(
                        name: "FK_server_service_endpoints_server_services_ServiceId",
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
                name: "server_service_endpoints");

            migrationBuilder.DropColumn(
                name: "Deployment",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "ExpectedEndpoints",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "JobName",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "MetricsPath",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "NodeList",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "Parameters",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "ReadinessPath",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "ReadinessTimeoutSeconds",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "Scheduler",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "StartedAt",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "Tasks",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "TimeLimit",
                table: "server_services");
        }
    }
}
