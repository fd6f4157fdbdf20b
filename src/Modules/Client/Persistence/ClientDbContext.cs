using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Persistence;

internal sealed class ClientDbContext(DbContextOptions<ClientDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "client";

    public override string Schema => SchemaName;

    public DbSet<BenchmarkRun> Benchmarks => Set<BenchmarkRun>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<BenchmarkRun>(run =>
        {
            run.ToTable("benchmarks");
            run.HasKey(r => r.Id);
            run.Property(r => r.Name).HasMaxLength(256).IsRequired();
            run.Property(r => r.Status).HasMaxLength(32).IsRequired();
            run.Property(r => r.Target).HasMaxLength(4096).IsRequired();
            run.HasIndex(r => r.CreatedAt);
        });
}

/// <summary>One load-generation run against a target and what it measured.</summary>
internal sealed class BenchmarkRun
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Status { get; set; }

    /// <summary>A service id or the endpoint URLs the load went to.</summary>
    public required string Target { get; set; }

    public Guid? ServiceId { get; set; }
    public Guid? ExperimentId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}
