using Aibench.Contracts.Experiments;
using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Persistence;

internal sealed class ExperimentsDbContext(DbContextOptions<ExperimentsDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "experiments";

    public override string Schema => SchemaName;

    public DbSet<Experiment> Experiments => Set<Experiment>();

    public DbSet<ExperimentStageRecord> Stages => Set<ExperimentStageRecord>();

    public DbSet<Campaign> Campaigns => Set<Campaign>();

    public DbSet<CampaignElement> CampaignElements => Set<CampaignElement>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Experiment>(experiment =>
        {
            experiment.ToTable("experiments");
            experiment.HasKey(e => e.Id);
            experiment.Property(e => e.Name).HasMaxLength(256).IsRequired();
            experiment.Property(e => e.Recipe).HasMaxLength(128).IsRequired();
            experiment.Property(e => e.TestType).HasMaxLength(32).IsRequired();
            experiment.Property(e => e.Stage).HasWireNames().HasMaxLength(32).IsRequired();
            experiment.Property(e => e.Status).HasWireNames().HasMaxLength(16).IsRequired();
            experiment.Property(e => e.Reason).HasMaxLength(2048);
            experiment.Property(e => e.AbortReason).HasMaxLength(2048);
            experiment.Property(e => e.Parameters).IsRequired();
            experiment.Property(e => e.Spec).IsRequired();
            experiment.Property(e => e.Slo).IsRequired();
            experiment.HasIndex(e => e.CreatedAt);
            experiment.HasIndex(e => e.Status);
            experiment.HasMany(e => e.Stages).WithOne().HasForeignKey(s => s.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Campaign>(campaign =>
        {
            campaign.ToTable("campaigns");
            campaign.HasKey(c => c.Id);
            campaign.Property(c => c.Name).HasMaxLength(256).IsRequired();
            campaign.Property(c => c.Status).HasWireNames().HasMaxLength(16).IsRequired();
            campaign.Property(c => c.Definition).IsRequired();
            campaign.HasIndex(c => c.CreatedAt);
            campaign.HasMany(c => c.Elements).WithOne().HasForeignKey(e => e.CampaignId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<CampaignElement>(element =>
        {
            element.ToTable("campaign_elements");
            element.HasKey(e => e.Id);
            element.Property(e => e.Label).HasMaxLength(512).IsRequired();
            element.Property(e => e.Error).HasMaxLength(2048);
            element.HasIndex(e => new { e.CampaignId, e.Index }).IsUnique();
            element.HasIndex(e => e.ExperimentId).IsUnique();
        });
        modelBuilder.Entity<ExperimentStageRecord>(stage =>
        {
            stage.ToTable("experiment_stages");
            stage.HasKey(s => s.Id);
            stage.Property(s => s.Stage).HasWireNames().HasMaxLength(32).IsRequired();
            stage.Property(s => s.Note).HasMaxLength(2048);
            stage.HasIndex(s => new { s.ExperimentId, s.StartedAt });
        });
    }
}

/// <summary>A recipe deployed on some nodes and put under one kind of load for a while.</summary>
internal sealed class Experiment
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Recipe { get; set; }
    public int Nodes { get; set; }
    public required string TestType { get; set; }

    /// <summary>How long the load runs in all (a sweep divides it among its steps).</summary>
    public int DurationSeconds { get; set; }

    /// <summary>Where the workflow is (<see cref="Stages"/>), kept even after the end so the list shows it.</summary>
    public required ExperimentStage Stage { get; set; }

    /// <summary>Whether it is still going or how it ended.</summary>
    public ExperimentStatus Status { get; set; } = ExperimentStatus.Running;

    /// <summary>What is happening or went wrong, in words the user can act on.</summary>
    public string? Reason { get; set; }

    public Guid? ServiceId { get; set; }
    public Guid? WarmupBenchmarkId { get; set; }
    public Guid? BenchmarkId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The recipe parameter values as given, JSON; validated by the Server module at creation.</summary>
    public string Parameters { get; set; } = "{}";

    /// <summary>The <see cref="Contracts.Client.BenchmarkSpec"/> the load stage sends (without service and experiment), JSON.</summary>
    public string Spec { get; set; } = "{}";

    /// <summary>The <see cref="Planning.ExperimentSlo"/>, JSON.</summary>
    public string Slo { get; set; } = "{}";

    public int WarmupSeconds { get; set; }
    public int ReadyTimeoutSeconds { get; set; }
    public int? TimeLimitMinutes { get; set; }
    public bool KeepService { get; set; }

    /// <summary>Set by DELETE; the workflow stops what runs, keeps what was measured and ends as cancelled.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>Why the workflow is winding down early (the service died, the load hung); it then ends as failed.</summary>
    public string? AbortReason { get; set; }

    /// <summary>Load runs started; more than one when a host restart cut a run short.</summary>
    public int LoadAttempts { get; set; }

    /// <summary>Restarts of its service that interrupted the warm-up or the load (each such stage ran again).</summary>
    public int ServiceRestarts { get; set; }

    /// <summary>The host process that started the current load run; another one means the run was cut by a restart.</summary>
    public Guid? LoadStartedBy { get; set; }

    /// <summary>A capacity test's <see cref="Planning.CapacitySearch"/> (settings and probes so far), JSON; null for other tests.</summary>
    public string? Capacity { get; set; }

    /// <summary>The <see cref="Planning.ExperimentReferences"/> fixed at creation, JSON; null without references.</summary>
    public string? References { get; set; }

    /// <summary>The <see cref="Planning.ExperimentResult"/>, JSON; set once the load ended (partial after a cancel).</summary>
    public string? Result { get; set; }

    public List<ExperimentStageRecord> Stages { get; set; } = [];
}

/// <summary>One stage of an experiment with its timing (a row of the stage history; the stage itself is <see cref="ExperimentStage"/>).</summary>
internal sealed class ExperimentStageRecord
{
    public long Id { get; set; }
    public Guid ExperimentId { get; set; }
    public required ExperimentStage Stage { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>How the stage ended or what happened in it (a restart, a retry).</summary>
    public string? Note { get; set; }
}

/// <summary>A grid of experiments (<see cref="Features.CreateCampaign"/>): its definition and its elements.</summary>
internal sealed class Campaign
{
    public Guid Id { get; set; }
    public required string Name { get; set; }

    /// <summary>Running until every element ended; cancelled on request.</summary>
    public ExperimentStatus Status { get; set; } = ExperimentStatus.Running;

    /// <summary>The <see cref="Features.CreateCampaign"/> as given, JSON (parameter values of secret parameters included: never shown).</summary>
    public required string Definition { get; set; }

    public int Repeats { get; set; }

    /// <summary>Elements running at once at the most.</summary>
    public int Throttle { get; set; }

    public bool CancelRequested { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public List<CampaignElement> Elements { get; set; } = [];
}

/// <summary>
/// One experiment of a campaign: a grid cell and a repeat. Its experiment's id is chosen when the campaign is created,
/// so that starting it is idempotent (a host stopping in between starts it once), and an element measured is never redone.
/// </summary>
internal sealed class CampaignElement
{
    public Guid Id { get; set; }
    public Guid CampaignId { get; set; }

    /// <summary>Its place in the campaign, from 0: cells in grid order, the repeats of a cell together.</summary>
    public int Index { get; set; }

    public int Cell { get; set; }
    public int Repeat { get; set; }
    public required string Label { get; set; }
    public int Nodes { get; set; }

    /// <summary>GPUs its experiment holds (nodes × GPUs per node; the nodes for a recipe without GPUs): the Pareto chart's per-GPU figure.</summary>
    public int Gpus { get; set; }

    /// <summary>Its experiment's id, chosen up front; the experiment exists once <see cref="StartedAt"/> is set.</summary>
    public Guid ExperimentId { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>Why its experiment could not be created (it then counts as failed); the experiment's own reason otherwise.</summary>
    public string? Error { get; set; }

    /// <summary>The job array of its shape (elements asking for the same resources); null for campaigns made before arrays.</summary>
    public Guid? ArrayId { get; set; }

    /// <summary>Its task index in that array, from 0.</summary>
    public int? ArrayIndex { get; set; }

    /// <summary>Elements in that array.</summary>
    public int? ArraySize { get; set; }

    /// <summary>
    /// Its experiment's ready timeout: the cell's own, plus one time limit for each round of the array's throttle
    /// before its turn (<see cref="Campaigns.CampaignArrays.ReadyTimeoutSeconds"/>).
    /// </summary>
    public int? ReadyTimeoutSeconds { get; set; }
}
