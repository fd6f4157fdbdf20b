using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Monitor.Persistence;

internal sealed class MonitorDbContext(DbContextOptions<MonitorDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "monitor";

    public override string Schema => SchemaName;

    public DbSet<MetricSeries> Series => Set<MetricSeries>();

    public DbSet<MetricSample> Samples => Set<MetricSample>();

    public DbSet<ScrapeTarget> Targets => Set<ScrapeTarget>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<MetricSeries>(series =>
        {
            series.ToTable("metric_series");
            series.HasKey(s => s.Id);
            series.Property(s => s.Name).HasMaxLength(256).IsRequired();
            series.Property(s => s.Labels).HasMaxLength(4096).IsRequired();
            series.HasIndex(s => new { s.Name, s.ServiceId });
            series.HasIndex(s => new { s.Name, s.ExperimentId });
            series.HasMany(s => s.Samples).WithOne(x => x.Series).HasForeignKey(x => x.SeriesId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<MetricSample>(sample =>
        {
            sample.ToTable("metric_samples");
            sample.HasKey(s => s.Id);
            sample.HasIndex(s => new { s.SeriesId, s.TimestampMs });
            // Retention deletes by age.
            sample.HasIndex(s => s.TimestampMs);
        });
        modelBuilder.Entity<ScrapeTarget>(target =>
        {
            target.ToTable("scrape_targets");
            target.HasKey(t => t.Key);
            target.Property(t => t.Key).HasMaxLength(512);
            target.Property(t => t.Kind).HasMaxLength(32).IsRequired();
            target.Property(t => t.Url).HasMaxLength(2048).IsRequired();
            target.Property(t => t.Node).HasMaxLength(256);
            target.Property(t => t.LastError).HasMaxLength(2048);
        });
    }
}

/// <summary>
/// One series: a metric name and label set of one service (or of the host when ServiceId is null). Samples point at
/// it, so the label text is stored once per series instead of once per sample (about 5× less space).
/// </summary>
internal sealed class MetricSeries
{
    public long Id { get; set; }
    public Guid? ServiceId { get; set; }
    public Guid? ExperimentId { get; set; }
    public required string Name { get; set; }

    /// <summary>
    /// The series' labels in Prometheus text form, sorted by name (<c>{job="service",model_name="m",replica="0"}</c>);
    /// aibench adds <c>job</c>, <c>replica</c> and <c>node</c> so replicas stay apart.
    /// </summary>
    public required string Labels { get; set; }

    public List<MetricSample> Samples { get; set; } = [];
}

/// <summary>One scraped value of one series at one time (Unix milliseconds: 8 bytes, not a date text).</summary>
internal sealed class MetricSample
{
    public long Id { get; set; }
    public long SeriesId { get; set; }
    public MetricSeries? Series { get; set; }
    public long TimestampMs { get; set; }
    public double Value { get; set; }
}

/// <summary>How the last scrape of one target went.</summary>
internal sealed class ScrapeTarget
{
    /// <summary><c>service/{id}/{kind}/{task}</c>, or <c>aibench</c> for the host itself.</summary>
    public required string Key { get; set; }

    public Guid? ServiceId { get; set; }
    public Guid? ExperimentId { get; set; }
    public required string Kind { get; set; }
    public required string Url { get; set; }
    public int? Replica { get; set; }
    public string? Node { get; set; }
    public bool Up { get; set; }
    public DateTimeOffset LastScrapeAt { get; set; }
    public double LastDurationMs { get; set; }
    public int LastSamples { get; set; }
    public int LastMalformed { get; set; }
    public string? LastError { get; set; }
}
