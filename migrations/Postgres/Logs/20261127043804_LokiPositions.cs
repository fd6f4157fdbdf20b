using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Logs
{
    /// <inheritdoc />
    public partial class LokiPositions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "loki_positions",
                schema: "logs",
                columns: table => new
                {
                    Url = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    LastId = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_loki_positions", x => x.Url);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "loki_positions",
                schema: "logs");
        }
    }
}
