using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Experiments
{
    /// <inheritdoc />
    public partial class CampaignArrays : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ArrayId",
                table: "experiments_campaign_elements",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ArrayIndex",
                table: "experiments_campaign_elements",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ArraySize",
                table: "experiments_campaign_elements",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ReadyTimeoutSeconds",
                table: "experiments_campaign_elements",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ArrayId",
                table: "experiments_campaign_elements");

            migrationBuilder.DropColumn(
                name: "ArrayIndex",
                table: "experiments_campaign_elements");

            migrationBuilder.DropColumn(
                name: "ArraySize",
                table: "experiments_campaign_elements");

            migrationBuilder.DropColumn(
                name: "ReadyTimeoutSeconds",
                table: "experiments_campaign_elements");
        }
    }
}
