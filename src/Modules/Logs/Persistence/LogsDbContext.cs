using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Logs.Persistence;

internal sealed class LogsDbContext(DbContextOptions<LogsDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "logs";

    public override string Schema => SchemaName;

    public DbSet<LogLine> Lines => Set<LogLine>();

    public DbSet<LokiPosition> LokiPositions => Set<LokiPosition>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<LokiPosition>(position =>
        {
            position.ToTable("loki_positions");
            position.HasKey(p => p.Url);
            position.Property(p => p.Url).HasMaxLength(512);
        });
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

/// <summary>How far the lines have been delivered to one Loki; one row per destination, so a new URL starts from the beginning.</summary>
internal sealed class LokiPosition
{
    public required string Url { get; set; }

    /// <summary>Every line with an Id up to this one has been delivered (or refused by Loki as bad).</summary>
    public long LastId { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
