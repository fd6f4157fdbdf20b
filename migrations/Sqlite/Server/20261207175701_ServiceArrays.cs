using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Server
{
    /// <inheritdoc />
    public partial class ServiceArrays : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ArrayId",
                table: "server_services",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ArrayIndex",
                table: "server_services",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ArraySize",
                table: "server_services",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ArrayThrottle",
                table: "server_services",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_server_services_ArrayId",
                table: "server_services",
                column: "ArrayId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_server_services_ArrayId",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "ArrayId",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "ArrayIndex",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "ArraySize",
                table: "server_services");

            migrationBuilder.DropColumn(
                name: "ArrayThrottle",
                table: "server_services");
        }
    }
}
