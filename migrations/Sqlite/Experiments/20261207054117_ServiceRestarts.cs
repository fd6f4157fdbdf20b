using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Experiments
{
    /// <inheritdoc />
    public partial class ServiceRestarts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ServiceRestarts",
                table: "experiments_experiments",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ServiceRestarts",
                table: "experiments_experiments");
        }
    }
}
