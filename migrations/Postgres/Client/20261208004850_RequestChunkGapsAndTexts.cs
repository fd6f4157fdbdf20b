using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Client
{
    /// <inheritdoc />
    public partial class RequestChunkGapsAndTexts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "ChunkGaps",
                schema: "client",
                table: "benchmark_requests",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "Texts",
                schema: "client",
                table: "benchmark_requests",
                type: "bytea",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ChunkGaps",
                schema: "client",
                table: "benchmark_requests");

            migrationBuilder.DropColumn(
                name: "Texts",
                schema: "client",
                table: "benchmark_requests");
        }
    }
}
