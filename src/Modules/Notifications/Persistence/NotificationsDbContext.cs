using Aibench.Notifications.Delivery;
using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Notifications.Persistence;

internal sealed class NotificationsDbContext(DbContextOptions<NotificationsDbContext> options) : ModuleDbContext(options)
{
    public const string SchemaName = "notifications";

    public override string Schema => SchemaName;

    public DbSet<NotificationDelivery> Deliveries => Set<NotificationDelivery>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<NotificationDelivery>(delivery =>
        {
            delivery.ToTable("deliveries");
            delivery.HasKey(d => d.Id);
            delivery.Property(d => d.Id).ValueGeneratedNever();
            // Enums by name: the table stays readable with a SQL prompt, and adding a kind never renumbers the others.
            delivery.Property(d => d.Kind).HasConversion<string>().HasMaxLength(32);
            delivery.Property(d => d.Channel).HasConversion<string>().HasMaxLength(16);
            delivery.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            delivery.Property(d => d.Target).HasMaxLength(64).IsRequired();
            delivery.Property(d => d.TargetDisplay).HasMaxLength(512).IsRequired();
            delivery.Property(d => d.Subject).HasMaxLength(512).IsRequired();
            delivery.Property(d => d.Text).HasMaxLength(2048).IsRequired();
            delivery.Property(d => d.Body).IsRequired();
            delivery.Property(d => d.LastError).HasMaxLength(1024);
            // One delivery per event and target: an event handled twice records nothing new.
            delivery.HasIndex(d => new { d.EventId, d.Target }).IsUnique();
            delivery.HasIndex(d => new { d.Status, d.NextAttemptAt });
            delivery.HasIndex(d => d.CreatedAt);
            delivery.HasIndex(d => d.ExperimentId);
            delivery.HasIndex(d => d.ServiceId);
        });
    }
}

/// <summary>Whether a delivery is still being tried, got there, or was given up on.</summary>
public enum DeliveryStatus
{
    /// <summary>Waiting for its first attempt or for a retry (<see cref="NotificationDelivery.NextAttemptAt"/>).</summary>
    Pending,

    /// <summary>The webhook answered 2xx, or sendmail accepted the message.</summary>
    Delivered,

    /// <summary>Every attempt failed, or the failure cannot be retried; <see cref="NotificationDelivery.LastError"/> says why.</summary>
    Failed,
}

/// <summary>
/// One event for one target, with the exact body sent (so that a retry after a restart sends the same bytes) and the
/// attempts so far. Holds no secret: the target is a key into the settings, where its URL and headers stay.
/// </summary>
internal sealed class NotificationDelivery
{
    public Guid Id { get; set; }

    /// <summary>The event; the same for every target it went to, and derived from what happened so that a repeat is recognised.</summary>
    public Guid EventId { get; set; }

    public NotificationKind Kind { get; set; }

    public NotificationChannel Channel { get; set; }

    /// <summary>The target's key (<see cref="NotificationTarget.Key"/>): a hash of its address, never the address.</summary>
    public required string Target { get; set; }

    /// <summary>The target as shown, secrets masked.</summary>
    public required string TargetDisplay { get; set; }

    /// <summary>The e-mail subject, and the page's title of the event.</summary>
    public required string Subject { get; set; }

    /// <summary>The one-line summary (the payload's <c>text</c>).</summary>
    public required string Text { get; set; }

    /// <summary>The JSON payload of a webhook, or the whole RFC 5322 message of an e-mail.</summary>
    public required string Body { get; set; }

    public Guid? ExperimentId { get; set; }
    public Guid? ServiceId { get; set; }

    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }

    /// <summary>Attempts allowed, as the settings said at the last attempt.</summary>
    public int MaxAttempts { get; set; }

    /// <summary>Why the last failed attempt failed; kept after a later success, so the page says what was overcome.</summary>
    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }

    /// <summary>When the next attempt is due, while pending.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>An attempt is under way until then: a second job for the same delivery (the catch-up sweep) leaves it alone.</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }
}
