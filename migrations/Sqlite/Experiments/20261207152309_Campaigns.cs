using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Experiments
{
    /// <inheritdoc />
    public partial class Campaigns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "experiments_campaigns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Definition = table.Column<string>(type: "TEXT", nullable: false),
                    Repeats = table.Column<int>(type: "INTEGER", nullable: false),
                    Throttle = table.Column<int>(type: "INTEGER", nullable: false),
                    CancelRequested = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    FinishedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_experiments_campaigns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "experiments_campaign_elements",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    CampaignId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Index = table.Column<int>(type: "INTEGER", nullable: false),
                    Cell = table.Column<int>(type: "INTEGER", nullable: false),
                    Repeat = table.Column<int>(type: "INTEGER", nullable: false),
                    Label = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    Nodes = table.Column<int>(type: "INTEGER", nullable: false),
                    Gpus = table.Column<int>(type: "INTEGER", nullable: false),
                    ExperimentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Error = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_experiments_campaign_elements", x => x.Id);
                    table.ForeignKey(
                        name: "FK_experiments_campaign_elements_experiments_campaigns_CampaignId",
                        column: x => x.CampaignId,
                        principalTable: "experiments_campaigns",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_experiments_campaign_elements_CampaignId_Index",
                table: "experiments_campaign_elements",
                columns: new[] { "CampaignId", "Index" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_experiments_campaign_elements_ExperimentId",
                table: "experiments_campaign_elements",
                column: "ExperimentId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_experiments_campaigns_CreatedAt",
                table: "experiments_campaigns",
                column: "CreatedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "experiments_campaign_elements");

            migrationBuilder.DropTable(
                name: "experiments_campaigns");
        }
    }
}
