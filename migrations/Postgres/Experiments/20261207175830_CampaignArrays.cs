using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Experiments
{
    /// <inheritdoc />
    public partial class CampaignArrays : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ArrayId",
                schema: "experiments",
                table: "campaign_elements",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ArrayIndex",
                schema: "experiments",
                table: "campaign_elements",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ArraySize",
                schema: "experiments",
                table: "campaign_elements",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ReadyTimeoutSeconds",
                schema: "experiments",
                table: "campaign_elements",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ArrayId",
                schema: "experiments",
                table: "campaign_elements");

            migrationBuilder.DropColumn(
                name: "ArrayIndex",
                schema: "experiments",
                table: "campaign_elements");

            migrationBuilder.DropColumn(
                name: "ArraySize",
                schema: "experiments",
                table: "campaign_elements");

            migrationBuilder.DropColumn(
                name: "ReadyTimeoutSeconds",
                schema: "experiments",
                table: "campaign_elements");
        }
    }
}
