using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Logs.Persistence;

internal sealed class LogsDbContext(DbContextOptions<LogsDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "logs";

    public override string Schema => SchemaName;

    public DbSet<LogLine> Lines => Set<LogLine>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<LogLine>(line =>
        {
            line.ToTable("log_lines");
            line.HasKey(l => l.Id);
            line.Property(l => l.Node).HasMaxLength(128);
            line.Property(l => l.Stream).HasMaxLength(16).IsRequired();
            line.Property(l => l.Level).HasMaxLength(16);
            line.Property(l => l.Text).IsRequired();
            line.HasIndex(l => new { l.ServiceId, l.Id });
            line.HasIndex(l => new { l.ExperimentId, l.Id });
        });
}

/// <summary>One line of a job's output, as collected from its run folder.</summary>
internal sealed class LogLine
{
    /// <summary>Grows with arrival order; the paging cursor.</summary>
    public long Id { get; set; }

    public Guid? ServiceId { get; set; }
    public Guid? ExperimentId { get; set; }
    public string? Node { get; set; }
    public required string Stream { get; set; }
    public string? Level { get; set; }
    public DateTimeOffset Timestamp { get; set; }
    public required string Text { get; set; }
}
