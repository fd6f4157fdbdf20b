using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Client
{
    /// <inheritdoc />
    public partial class RequestChunkGapsAndTexts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "ChunkGaps",
                table: "client_benchmark_requests",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "Texts",
                table: "client_benchmark_requests",
                type: "BLOB",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ChunkGaps",
                table: "client_benchmark_requests");

            migrationBuilder.DropColumn(
                name: "Texts",
                table: "client_benchmark_requests");
        }
    }
}
