using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Logs.Persistence;

internal sealed class LogsDbContext(DbContextOptions<LogsDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "logs";

    public override string Schema => SchemaName;

    public DbSet<LogLine> Lines => Set<LogLine>();

    public DbSet<LogFile> Files => Set<LogFile>();

    public DbSet<LokiPosition> LokiPositions => Set<LokiPosition>();

    public DbSet<LogMark> Marks => Set<LogMark>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<LogMark>(mark =>
        {
            mark.ToTable("log_marks");
            mark.HasKey(m => m.LastId);
            mark.Property(m => m.LastId).ValueGeneratedNever();
        });
        modelBuilder.Entity<LokiPosition>(position =>
        {
            position.ToTable("loki_positions");
            position.HasKey(p => p.Url);
            position.Property(p => p.Url).HasMaxLength(512);
        });
        modelBuilder.Entity<LogFile>(file =>
        {
            file.ToTable("log_files");
            file.HasKey(f => f.Path);
            file.Property(f => f.Path).HasMaxLength(1024);
            file.Property(f => f.Stream).HasMaxLength(16).IsRequired();
            file.Property(f => f.Head).HasMaxLength(80);
            file.HasIndex(f => f.SourceId);
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
            line.HasIndex(l => new { l.BenchmarkId, l.Id });
            line.HasIndex(l => l.Timestamp);
        });
    }
}

/// <summary>How far a log file has been read: stored with the lines it gave, in one transaction, so nothing repeats or goes missing.</summary>
internal sealed class LogFile
{
    public required string Path { get; set; }

    /// <summary>The service whose file it is, or the benchmark whose load-generator workers write it.</summary>
    public Guid SourceId { get; set; }

    public required string Stream { get; set; }
    public int? Task { get; set; }
    public long Offset { get; set; }
    public string? Head { get; set; }
    public bool SkippingLongLine { get; set; }

    /// <summary>Read once more after the job ended: nothing more will come.</summary>
    public bool Finished { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One line of a job's output, as collected from its run folder.</summary>
internal sealed class LogLine
{
    /// <summary>Grows with arrival order; the paging cursor.</summary>
    public long Id { get; set; }

    public Guid? ServiceId { get; set; }

    /// <summary>The benchmark, for the output of its load-generator workers.</summary>
    public Guid? BenchmarkId { get; set; }

    public Guid? ExperimentId { get; set; }
    public string? Node { get; set; }

    /// <summary>The task (replica) whose output it is; null for the batch script's own.</summary>
    public int? Task { get; set; }

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

/// <summary>
/// Every line with an id up to <see cref="LastId"/> had been collected by <see cref="At"/>: retention by age needs
/// when lines arrived, and a mark an hour costs far less than a column on every line (a time parsed from the text
/// can be wrong, e.g. vLLM's has no year).
/// </summary>
internal sealed class LogMark
{
    public long LastId { get; set; }
    public DateTimeOffset At { get; set; }
}
