using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Server
{
    /// <inheritdoc />
    public partial class ServiceArrays : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ArrayId",
                schema: "server",
                table: "services",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ArrayIndex",
                schema: "server",
                table: "services",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ArraySize",
                schema: "server",
                table: "services",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ArrayThrottle",
                schema: "server",
                table: "services",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_services_ArrayId",
                schema: "server",
                table: "services",
                column: "ArrayId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_services_ArrayId",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "ArrayId",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "ArrayIndex",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "ArraySize",
                schema: "server",
                table: "services");

            migrationBuilder.DropColumn(
                name: "ArrayThrottle",
                schema: "server",
                table: "services");
        }
    }
}
