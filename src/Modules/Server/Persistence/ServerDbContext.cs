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
            service.HasIndex(s => s.Status);
            service.HasIndex(s => s.CreatedAt);
            service.HasMany(s => s.Transitions).WithOne().HasForeignKey(t => t.ServiceId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ServiceTransition>(transition =>
        {
            transition.ToTable("service_transitions");
            transition.HasKey(t => t.Id);
            transition.Property(t => t.Status).HasConversion<string>().HasMaxLength(32);
            transition.Property(t => t.Reason).HasMaxLength(2048);
            transition.HasIndex(t => new { t.ServiceId, t.At });
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
    public List<ServiceTransition> Transitions { get; set; } = [];
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
