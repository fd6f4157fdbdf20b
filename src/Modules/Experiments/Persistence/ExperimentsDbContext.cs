using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Persistence;

internal sealed class ExperimentsDbContext(DbContextOptions<ExperimentsDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "experiments";

    public override string Schema => SchemaName;

    public DbSet<Experiment> Experiments => Set<Experiment>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Experiment>(experiment =>
        {
            experiment.ToTable("experiments");
            experiment.HasKey(e => e.Id);
            experiment.Property(e => e.Name).HasMaxLength(256).IsRequired();
            experiment.Property(e => e.Recipe).HasMaxLength(128).IsRequired();
            experiment.Property(e => e.TestType).HasMaxLength(32).IsRequired();
            experiment.Property(e => e.Stage).HasMaxLength(32).IsRequired();
            experiment.Property(e => e.Reason).HasMaxLength(2048);
            experiment.HasIndex(e => e.CreatedAt);
        });
}

/// <summary>A recipe deployed on some nodes and put under one kind of load for a while.</summary>
internal sealed class Experiment
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Recipe { get; set; }
    public int Nodes { get; set; }
    public required string TestType { get; set; }
    public int DurationSeconds { get; set; }
    public required string Stage { get; set; }
    public string? Reason { get; set; }
    public Guid? ServiceId { get; set; }
    public Guid? BenchmarkId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
