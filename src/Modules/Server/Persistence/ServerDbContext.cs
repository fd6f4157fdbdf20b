using Aibench.Contracts.Server;
using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Persistence;

internal sealed class ServerDbContext(DbContextOptions<ServerDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "server";

    public override string Schema => SchemaName;

    public DbSet<ServiceRecord> Services => Set<ServiceRecord>();

    public DbSet<ServiceTransition> Transitions => Set<ServiceTransition>();

    public DbSet<ServiceEndpoint> Endpoints => Set<ServiceEndpoint>();

    public DbSet<WorkerJobRecord> WorkerJobs => Set<WorkerJobRecord>();

    public DbSet<ServiceAttempt> Attempts => Set<ServiceAttempt>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ServiceRecord>(service =>
        {
            service.ToTable("services");
            service.HasKey(s => s.Id);
            service.Property(s => s.Recipe).HasMaxLength(128).IsRequired();
            service.Property(s => s.Status).HasConversion<string>().HasMaxLength(32);
            service.Property(s => s.Reason).HasMaxLength(2048);
            service.Property(s => s.JobId).HasMaxLength(64);
            service.Property(s => s.RunFolder).HasMaxLength(4096);
            service.Property(s => s.Deployment).HasMaxLength(16);
            service.Property(s => s.JobName).HasMaxLength(128);
            service.Property(s => s.TimeLimit).HasMaxLength(32);
            service.Property(s => s.Scheduler).HasMaxLength(16);
            service.Property(s => s.NodeList).HasMaxLength(1024);
            service.Property(s => s.ReadinessPath).HasMaxLength(256);
            service.Property(s => s.MetricsPath).HasMaxLength(256);
            service.Property(s => s.Parameters).HasMaxLength(65536);
            service.HasMany(s => s.Endpoints).WithOne().HasForeignKey(e => e.ServiceId).OnDelete(DeleteBehavior.Cascade);
            service.HasIndex(s => s.Status);
            service.HasIndex(s => s.CreatedAt);
            service.HasIndex(s => s.ArrayId);
            service.HasMany(s => s.Transitions).WithOne().HasForeignKey(t => t.ServiceId).OnDelete(DeleteBehavior.Cascade);
            service.HasMany(s => s.Attempts).WithOne().HasForeignKey(a => a.ServiceId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ServiceAttempt>(attempt =>
        {
            attempt.ToTable("service_attempts");
            attempt.HasKey(a => new { a.ServiceId, a.Number });
            attempt.Property(a => a.JobId).HasMaxLength(64);
            attempt.Property(a => a.NodeList).HasMaxLength(1024);
            attempt.Property(a => a.Reason).HasMaxLength(2048);
            attempt.Property(a => a.LastLines).HasMaxLength(8192);
        });
        modelBuilder.Entity<ServiceTransition>(transition =>
        {
            transition.ToTable("service_transitions");
            transition.HasKey(t => t.Id);
            transition.Property(t => t.Status).HasConversion<string>().HasMaxLength(32);
            transition.Property(t => t.Reason).HasMaxLength(2048);
            transition.HasIndex(t => new { t.ServiceId, t.At });
        });
        modelBuilder.Entity<ServiceEndpoint>(endpoint =>
        {
            endpoint.ToTable("service_endpoints");
            endpoint.HasKey(e => new { e.ServiceId, e.Task });
            endpoint.Property(e => e.Host).HasMaxLength(255);
            endpoint.Property(e => e.Node).HasMaxLength(255);
        });
        modelBuilder.Entity<WorkerJobRecord>(worker =>
        {
            worker.ToTable("worker_jobs");
            worker.HasKey(w => w.BenchmarkId);
            worker.Property(w => w.BenchmarkId).ValueGeneratedNever();
            worker.Property(w => w.JobId).HasMaxLength(64).IsRequired();
            worker.Property(w => w.RunFolder).HasMaxLength(4096).IsRequired();
            worker.Property(w => w.Scheduler).HasMaxLength(16).IsRequired();
            worker.Property(w => w.State).HasMaxLength(32);
            worker.HasIndex(w => w.JobId);
            worker.HasIndex(w => w.EndedAt);
        });
    }
}

/// <summary>A service deployed (or being deployed) from a recipe.</summary>
internal sealed class ServiceRecord
{
    public Guid Id { get; set; }
    public required string Recipe { get; set; }
    public ServiceStatus Status { get; set; }
    public string? Reason { get; set; }
    public string? JobId { get; set; }
    public int Nodes { get; set; }
    public string? RunFolder { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the job was first seen running; the readiness timeout counts from here.</summary>
    public DateTimeOffset? StartedAt { get; set; }

    public string Deployment { get; set; } = "single";
    public string JobName { get; set; } = "";
    public int Tasks { get; set; } = 1;
    public int ExpectedEndpoints { get; set; } = 1;
    public string? TimeLimit { get; set; }
    public string? Scheduler { get; set; }
    public string? NodeList { get; set; }
    public string ReadinessPath { get; set; } = "/health";
    public int ReadinessTimeoutSeconds { get; set; } = 900;
    public string? MetricsPath { get; set; }

    /// <summary>The parameter values as JSON, secret ones masked: for people to read, not to redeploy from.</summary>
    public string Parameters { get; set; } = "{}";

    /// <summary>Restarts its policy allows (0: none).</summary>
    public int RestartMax { get; set; }

    public int RestartBackoffSeconds { get; set; }

    /// <summary>The attempt running now, from 1; each restart submits a new job as the next attempt.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>While <see cref="ServiceStatus.Restarting"/>: when the next attempt is submitted.</summary>
    public DateTimeOffset? RestartAt { get; set; }

    /// <summary>When the current attempt first had every endpoint ready; a job that fails before that is not restarted.</summary>
    public DateTimeOffset? ReadyAt { get; set; }

    /// <summary>
    /// The experiment it was deployed for, as the deployment said; handed on to metrics and logs. Null for services
    /// deployed by hand, and for those deployed before the column existed.
    /// </summary>
    public Guid? ExperimentId { get; set; }

    /// <summary>The job array it is a task of (<see cref="Contracts.Server.ServiceArray"/>); null for a job of its own.</summary>
    public Guid? ArrayId { get; set; }

    public int? ArrayIndex { get; set; }
    public int? ArraySize { get; set; }
    public int? ArrayThrottle { get; set; }

    public List<ServiceTransition> Transitions { get; set; } = [];
    public List<ServiceEndpoint> Endpoints { get; set; } = [];

    /// <summary>The attempts that ended (the current one is the service itself).</summary>
    public List<ServiceAttempt> Attempts { get; set; } = [];
}

/// <summary>An attempt of a service that ended: its job, where it ran, why it ended and whether it was restarted.</summary>
internal sealed class ServiceAttempt
{
    public Guid ServiceId { get; set; }
    public int Number { get; set; }
    public string? JobId { get; set; }
    public string? NodeList { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? ReadyAt { get; set; }
    public DateTimeOffset EndedAt { get; set; }
    public required string Reason { get; set; }

    /// <summary>Whether the restart policy started another attempt after this one.</summary>
    public bool Restarted { get; set; }

    /// <summary>The last lines of its error output, kept because the next attempt's job writes the same files.</summary>
    public string? LastLines { get; set; }
}

/// <summary>An endpoint a task announced in its run folder, and whether it answered its readiness probe.</summary>
internal sealed class ServiceEndpoint
{
    public Guid ServiceId { get; set; }
    public int Task { get; set; }
    public required string Host { get; set; }
    public int Port { get; set; }
    public required string Node { get; set; }
    public bool Ready { get; set; }

    /// <summary>Since when a ready endpoint has not answered its probe; null while it answers.</summary>
    public DateTimeOffset? FailingSince { get; set; }
}

/// <summary>One change of a service's state, kept so the user can see how long each stage took.</summary>
internal sealed class ServiceTransition
{
    public long Id { get; set; }
    public Guid ServiceId { get; set; }
    public ServiceStatus Status { get; set; }
    public string? Reason { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// The load-generator worker job of a distributed benchmark: kept so that its logs are collected and its end is noticed
/// even when nobody asks for its state any more (the benchmark's host restarted, the benchmark was left).
/// </summary>
internal sealed class WorkerJobRecord
{
    public Guid BenchmarkId { get; set; }
    public required string JobId { get; set; }
    public required string RunFolder { get; set; }
    public required string Scheduler { get; set; }
    public int Tasks { get; set; }

    /// <summary>The experiment of its benchmark, as the submission said; handed on to the logs.</summary>
    public Guid? ExperimentId { get; set; }

    /// <summary>The scheduler's state name when last seen.</summary>
    public string? State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the job was first seen ended; null while it may still run.</summary>
    public DateTimeOffset? EndedAt { get; set; }
}
