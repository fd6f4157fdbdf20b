using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Monitor.Persistence;

internal sealed class MonitorDbContext(DbContextOptions<MonitorDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "monitor";

    public override string Schema => SchemaName;

    public DbSet<MetricSample> Samples => Set<MetricSample>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<MetricSample>(sample =>
        {
            sample.ToTable("metric_samples");
            sample.HasKey(s => s.Id);
            sample.Property(s => s.Name).HasMaxLength(256).IsRequired();
            sample.Property(s => s.Labels).HasMaxLength(4096).IsRequired();
            sample.HasIndex(s => new { s.ServiceId, s.Name, s.Timestamp });
            sample.HasIndex(s => new { s.ExperimentId, s.Name, s.Timestamp });
        });
}

/// <summary>One scraped value of one series at one time.</summary>
internal sealed class MetricSample
{
    public long Id { get; set; }
    public Guid? ServiceId { get; set; }
    public Guid? ExperimentId { get; set; }
    public required string Name { get; set; }

    /// <summary>The series' labels in Prometheus text form, sorted by name (<c>{model_name="m",le="0.5"}</c>).</summary>
    public required string Labels { get; set; }

    public DateTimeOffset Timestamp { get; set; }
    public double Value { get; set; }
}
