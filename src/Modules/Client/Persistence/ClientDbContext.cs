using Aibench.Contracts.Client;
using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Persistence;

internal sealed class ClientDbContext(DbContextOptions<ClientDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "client";

    public override string Schema => SchemaName;

    public DbSet<BenchmarkRun> Benchmarks => Set<BenchmarkRun>();

    public DbSet<BenchmarkRequests> Requests => Set<BenchmarkRequests>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<BenchmarkRun>(run =>
        {
            run.ToTable("benchmarks");
            run.HasKey(r => r.Id);
            run.Property(r => r.Name).HasMaxLength(256).IsRequired();
            run.Property(r => r.Status).HasWireNames().HasMaxLength(32).IsRequired();
            run.Property(r => r.Target).HasMaxLength(4096).IsRequired();
            run.Property(r => r.Spec).IsRequired();
            run.Property(r => r.Model).HasMaxLength(256);
            run.Property(r => r.Dataset).HasMaxLength(1024);
            run.Property(r => r.Error).HasMaxLength(4096);
            run.HasIndex(r => r.CreatedAt);
            run.HasIndex(r => r.ExperimentId);
            run.HasMany(r => r.RequestParts).WithOne().HasForeignKey(p => p.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<BenchmarkRequests>(part =>
        {
            part.ToTable("benchmark_requests");
            part.HasKey(p => new { p.RunId, p.Part });
            part.Property(p => p.Data).IsRequired();
        });
    }
}

/// <summary>One load-generation run against a target and what it measured.</summary>
internal sealed class BenchmarkRun
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required BenchmarkStatus Status { get; set; }

    /// <summary>A service id or the endpoint URLs the load went to.</summary>
    public required string Target { get; set; }

    public Guid? ServiceId { get; set; }
    public Guid? ExperimentId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The <see cref="Contracts.Client.BenchmarkSpec"/> as given, JSON.</summary>
    public required string Spec { get; set; }

    public string? Model { get; set; }
    public string? Dataset { get; set; }
    public string? Error { get; set; }
    public bool CancelRequested { get; set; }

    /// <summary><see cref="LoadGen.RunSummary"/>, JSON; null until the run ends.</summary>
    public string? Summary { get; set; }

    /// <summary>Per-second points, JSON.</summary>
    public string? Series { get; set; }

    /// <summary>vLLM <c>bench serve</c> result keys, JSON.</summary>
    public string? Vllm { get; set; }

    // Headline numbers, copied out of the summary so that lists need no JSON.
    public long? Completed { get; set; }
    public long? Failed { get; set; }
    public double? RequestThroughput { get; set; }
    public double? OutputTokenThroughput { get; set; }
    public double? TtftP50Ms { get; set; }
    public double? TtftP99Ms { get; set; }
    public double? E2eP50Ms { get; set; }

    public List<BenchmarkRequests> RequestParts { get; set; } = [];
}

/// <summary>
/// Up to <see cref="PartSize"/> request records of a run, compressed (see <c>Exports.Encode</c>), and beside them, entry
/// for entry, what has no fixed size (<see cref="LoadGen.RequestDetails"/>): in their own columns, so that reading the
/// records (CSV, JSONL, summaries) never decompresses them.
/// </summary>
internal sealed class BenchmarkRequests
{
    public const int PartSize = 65_536;

    public Guid RunId { get; set; }
    public int Part { get; set; }
    public int Count { get; set; }
    public required byte[] Data { get; set; }

    /// <summary>Each request's content-chunk gaps (<c>RequestDetails.EncodeGaps</c>); null when the run did not stream or was stored
    /// before aibench kept them.</summary>
    public byte[]? ChunkGaps { get; set; }

    /// <summary>Each request's generated text (<c>RequestDetails.EncodeTexts</c>); null unless the spec asked <c>keepTexts</c>.</summary>
    public byte[]? Texts { get; set; }
}
