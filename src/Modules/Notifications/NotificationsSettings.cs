using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using Aibench.Notifications.Delivery;
using Aibench.Shared.Modules;
using Aibench.Shared.Text;
using Microsoft.Extensions.Configuration;

namespace Aibench.Notifications;

/// <summary>Settings of the Notifications module (section <c>Notifications</c>); the one place that knows which keys exist.</summary>
/// <param name="BaseUrl">Where links in notifications point (the page of the experiment or service); null: the host's own URL.</param>
/// <param name="Timeout">How long one attempt may take (a webhook's answer, sendmail's exit).</param>
/// <param name="RetryDelays">The wait before each retry after a failed attempt; attempts in all are one more than these.</param>
/// <param name="Webhooks">The webhook targets, in configuration order.</param>
/// <param name="Email">The e-mail target, when enabled.</param>
internal sealed record NotificationsSettings(
    Uri? BaseUrl,
    TimeSpan Timeout,
    IReadOnlyList<TimeSpan> RetryDelays,
    IReadOnlyList<WebhookTarget> Webhooks,
    EmailTarget? Email)
{
    public const string Section = "Notifications";

    /// <summary>Known keys directly under <c>Notifications</c>; a new setting of the module is added here.</summary>
    public static readonly string[] Keys = ["BaseUrl", "Timeout", "RetryDelays", "Webhooks", "Email"];

    /// <summary>10 s, 30 s, 2 min, 10 min, 30 min: six attempts over about 43 minutes, enough to ride out a chat service's outage.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
        [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];

    public int MaxAttempts => RetryDelays.Count + 1;

    public IEnumerable<NotificationTarget> Targets =>
        Email is null ? Webhooks : Webhooks.Cast<NotificationTarget>().Append(Email);

    public static NotificationsSettings Load(IConfiguration configuration, List<string> errors)
    {
        SettingReader.Unknown(configuration.GetSection(Section), Keys, errors);
        Uri? baseUrl = null;
        if (configuration[$"{Section}:BaseUrl"] is { } baseText && baseText.Length > 0)
        {
            if (Uri.TryCreate(baseText.Trim(), UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
                && parsed.Query.Length == 0 && parsed.Fragment.Length == 0 && parsed.UserInfo.Length == 0)
            {
                baseUrl = parsed;
            }
            else
            {
                errors.Add($"{Section}:BaseUrl: '{baseText}' is not an http(s) address like https://login1.example.org:8000 (no query, no user).");
            }
        }

        var timeout = SettingReader.Time(configuration, $"{Section}:Timeout", TimeSpan.FromSeconds(10), errors);
        if (timeout < TimeSpan.FromMilliseconds(100) || timeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{Section}:Timeout: {configuration[$"{Section}:Timeout"]} is not between 100ms and 5m.");
            timeout = TimeSpan.FromSeconds(10);
        }

        var delays = RetryDelaysOf(configuration, errors);
        var webhooks = new List<WebhookTarget>();
        var section = configuration.GetSection($"{Section}:Webhooks");
        if (section.Value is { Length: > 0 })
        {
            errors.Add($"{section.Path}: a list of webhooks is expected (Notifications:Webhooks:0:Url, …), not a single value.");
        }

        foreach (var child in section.GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue))
        {
            if (!int.TryParse(child.Key, out var index) || index < 0)
            {
                errors.Add($"{child.Path}: unknown setting; webhooks are a list (Notifications:Webhooks:0:Url, Notifications:Webhooks:1:Url, …).");
                continue;
            }

            if (WebhookTarget.Load(child, index, errors) is { } webhook)
            {
                if (webhooks.FirstOrDefault(w => w.Key == webhook.Key) is { } same)
                {
                    errors.Add($"{child.Path}:Url: the same address as {section.Path}:{same.Index}:Url.");
                    continue;
                }

                webhooks.Add(webhook);
            }
        }

        var email = EmailTarget.Load(configuration, errors);
        return new NotificationsSettings(baseUrl, timeout, delays, webhooks, email);
    }

    private static IReadOnlyList<TimeSpan> RetryDelaysOf(IConfiguration configuration, List<string> errors)
    {
        var key = $"{Section}:RetryDelays";
        var items = SettingLists.Read(configuration, key);
        if (items is null)
        {
            return DefaultRetryDelays;
        }

        var delays = new List<TimeSpan>();
        foreach (var (path, text) in items)
        {
            if (Duration.TryParse(text, out var delay) && delay >= TimeSpan.FromMilliseconds(100) && delay <= TimeSpan.FromDays(1))
            {
                delays.Add(delay);
            }
            else
            {
                errors.Add($"{path}: '{text}' is not a duration from 100ms to 1d, like 30s or 10m.");
            }
        }

        if (delays.Count > 20)
        {
            errors.Add($"{key}: {delays.Count} retries; at most 20.");
            return DefaultRetryDelays;
        }

        return delays;
    }
}

/// <summary>Where a notification goes: a webhook or the e-mail recipients.</summary>
/// <param name="Key">
/// Identifies the target across restarts without holding its secrets: a hash of its address. A delivery stores this
/// key; its URL and headers are read from the settings at each attempt, so they never reach the database.
/// </param>
/// <param name="Display">How the page, the API and the log show it, with secrets masked.</param>
/// <param name="Events">The kinds it receives; null means all.</param>
internal abstract record NotificationTarget(string Key, string Display, IReadOnlySet<NotificationKind>? Events)
{
    public abstract NotificationChannel Channel { get; }

    public bool Wants(NotificationKind kind) => kind == NotificationKind.Test || Events is null || Events.Contains(kind);

    protected static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    /// <summary>An <c>Events</c> list; null (all kinds) when not given.</summary>
    protected static IReadOnlySet<NotificationKind>? EventsOf(IConfigurationSection target, List<string> errors)
    {
        var items = SettingLists.Read(target, "Events");
        if (items is null)
        {
            return null;
        }

        var kinds = new HashSet<NotificationKind>();
        foreach (var (path, text) in items)
        {
            if (NotificationKinds.TryParse(text, out var kind) && kind != NotificationKind.Test)
            {
                kinds.Add(kind);
            }
            else
            {
                errors.Add($"{path}: '{text}' is not an event; expected one of "
                    + $"{string.Join(", ", NotificationKinds.Selectable.Select(k => k.WireName()))}.");
            }
        }

        if (kinds.Count == 0 && items.Count == 0)
        {
            errors.Add($"{target.Path}:Events: empty; leave it out to receive every event.");
        }

        return kinds;
    }
}

/// <summary>A webhook (<c>Notifications:Webhooks:N</c>): the payload is POSTed to it as JSON.</summary>
/// <param name="Index">Its place in the list, N.</param>
/// <param name="Name">An optional name for the page (<c>Notifications:Webhooks:N:Name</c>).</param>
/// <param name="Url">Where to POST. A secret: chat webhooks carry their token in the path.</param>
/// <param name="Headers">Extra request headers, e.g. Authorization. Their values are secrets: never logged, shown as ***.</param>
internal sealed record WebhookTarget(
    int Index,
    string? Name,
    Uri Url,
    IReadOnlyDictionary<string, string> Headers,
    string Key,
    string Display,
    IReadOnlySet<NotificationKind>? Events) : NotificationTarget(Key, Display, Events)
{
    public static readonly string[] Keys = ["Url", "Name", "Headers", "Events"];

    /// <summary>Headers the module sets itself, or that would break the request.</summary>
    private static readonly string[] Reserved = ["Content-Type", "Content-Length", "Content-Encoding", "Host", "Transfer-Encoding", "Connection",
        "Expect"];

    public override NotificationChannel Channel => NotificationChannel.Webhook;

    public static WebhookTarget? Load(IConfigurationSection section, int index, List<string> errors)
    {
        SettingReader.Unknown(section, Keys, errors);
        var ok = true;
        // Values are never echoed: the URL and the headers may hold tokens, and errors are printed and logged.
        var text = section["Url"];
        Uri? url = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"{section.Path}:Url: missing; every webhook needs the address to POST to.");
            ok = false;
        }
        else if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out url) || url.Scheme is not ("http" or "https") || url.Fragment.Length > 0
            || string.IsNullOrEmpty(url.Host))
        {
            errors.Add($"{section.Path}:Url: not an http(s) address like https://chat.example.org/hooks/abc (the value is not repeated here: it may "
                + $"hold a token).");
            ok = false;
        }
        else if (url.UserInfo.Length > 0)
        {
            errors.Add($"{section.Path}:Url: holds a user and password, which would not be sent; give them as {section.Path}:Headers:Authorization.");
            ok = false;
        }

        var name = section["Name"];
        if (name is not null && (name.Trim().Length is 0 or > 100 || name.Any(char.IsControl)))
        {
            errors.Add($"{section.Path}:Name: '{name}' is not a name of 1 to 100 printable characters.");
            name = null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var headerSection = section.GetSection("Headers");
        if (headerSection.Value is { Length: > 0 })
        {
            errors.Add($"{headerSection.Path}: a map of header names to values is expected (…:Headers:Authorization), not a single value.");
            ok = false;
        }

        foreach (var header in headerSection.GetChildren())
        {
            if (header.Key.Length == 0 || !header.Key.All(IsTokenChar))
            {
                errors.Add($"{header.Path}: '{header.Key}' is not an HTTP header name.");
                ok = false;
            }
            else if (Reserved.Contains(header.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{header.Path}: {header.Key} is set by aibench itself and cannot be configured.");
                ok = false;
            }
            else if (header.Value is null || header.GetChildren().Any())
            {
                errors.Add($"{header.Path}: a header takes one text value.");
                ok = false;
            }
            else if (header.Value.Any(c => c is '\r' or '\n' or '\0'))
            {
                errors.Add($"{header.Path}: the value holds a line break or NUL, which no header may (the value is not repeated here).");
                ok = false;
            }
            else
            {
                headers[header.Key] = header.Value;
            }
        }

        var events = EventsOf(section, errors);
        if (!ok || url is null)
        {
            return null;
        }

        var masked = Mask(url);
        return new WebhookTarget(index, name?.Trim(), url, headers, $"webhook:{Hash(url.AbsoluteUri)}",
            $"{name?.Trim() ?? $"webhook {index}"} ({masked})", events);
    }

    /// <summary>
    /// The address as shown: scheme, host and port only. Slack's and Mattermost's incoming webhooks carry their token in
    /// the path, so the path and the query are secrets like the headers.
    /// </summary>
    public static string Mask(Uri url) =>
        $"{url.Scheme}://{url.Authority}/{(url.AbsolutePath.Length > 1 || url.Query.Length > 0 ? "***" : "")}";

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
}

/// <summary>The e-mail target (<c>Notifications:Email</c>), sent through the login node's sendmail. Off by default.</summary>
/// <param name="To">Recipients: addresses, or local user names that sendmail delivers on the node.</param>
/// <param name="From">The From header.</param>
/// <param name="Sendmail">The sendmail-compatible program, run as <c>sendmail -t -i</c> with the message on its input.</param>
internal sealed record EmailTarget(
    IReadOnlyList<string> To,
    string From,
    string Sendmail,
    string Key,
    string Display,
    IReadOnlySet<NotificationKind>? Events) : NotificationTarget(Key, Display, Events)
{
    public const string DefaultSendmail = "/usr/sbin/sendmail";
    public static readonly string[] Keys = ["Enabled", "To", "From", "Sendmail", "Events"];

    public override NotificationChannel Channel => NotificationChannel.Email;

    /// <summary>Null when e-mail is off (the default); every key is checked all the same.</summary>
    public static EmailTarget? Load(IConfiguration configuration, List<string> errors)
    {
        var section = configuration.GetSection($"{NotificationsSettings.Section}:Email");
        SettingReader.Unknown(section, Keys, errors);
        var enabled = SettingReader.Bool(configuration, $"{section.Path}:Enabled", false, errors);
        var to = new List<string>();
        var given = SettingLists.Read(section, "To") ?? [];
        foreach (var (path, text) in given)
        {
            if (IsAddress(text))
            {
                to.Add(text.Trim());
            }
            else
            {
                errors.Add($"{path}: '{text}' is not an e-mail address (user@example.org) or a local user name.");
            }
        }

        var from = section["From"];
        if (from is not null && !IsAddress(from))
        {
            errors.Add($"{section.Path}:From: '{from}' is not an e-mail address (user@example.org) or a local user name.");
            from = null;
        }

        var sendmail = section["Sendmail"] is { Length: > 0 } s ? s : DefaultSendmail;
        if (!Path.IsPathFullyQualified(sendmail))
        {
            errors.Add($"{section.Path}:Sendmail: '{sendmail}' is not an absolute path like {DefaultSendmail}.");
        }
        else if (enabled && !IsExecutable(sendmail))
        {
            errors.Add($"{section.Path}:Sendmail: {sendmail} is not an executable program; install a mail transfer agent (e.g. Debian's dma) or give "
                + $"the path of the node's sendmail.");
        }

        var events = EventsOf(section, errors);
        if (enabled && given.Count == 0)
        {
            errors.Add($"{section.Path}:To: missing; e-mail is enabled, so at least one recipient is needed.");
        }

        if (!enabled || to.Count == 0)
        {
            return null;
        }

        // The user's own address on this node: where a bounce can be read, on any cluster.
        from ??= $"{Environment.UserName}@{System.Net.Dns.GetHostName()}";
        return new EmailTarget(to, from.Trim(), sendmail, $"email:{Hash(string.Join(',', to))}", $"e-mail to {string.Join(", ", to)}", events);
    }

    /// <summary>An addr-spec without display name or comments, or a bare local user name: nothing that could add a header.</summary>
    internal static bool IsAddress(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length is 0 or > 254 || trimmed.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is ',' or ';' or '<' or '>' or '"' or '('
            or ')'))
        {
            return false;
        }

        if (!trimmed.Contains('@'))
        {
            return trimmed.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
        }

        return MailAddress.TryCreate(trimmed, out var address) && address.Address == trimmed && address.DisplayName.Length == 0;
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}

/// <summary>How a notification travels.</summary>
public enum NotificationChannel
{
    Webhook,
    Email,
}

/// <summary>Lists in settings: JSON arrays (<c>Key:0</c>, <c>Key:1</c>) or one comma-separated value, as environment variables give them.</summary>
internal static class SettingLists
{
    /// <summary>The items with the key naming each; null when the key is absent.</summary>
    public static List<(string Path, string Value)>? Read(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        if (section.Value is { } single)
        {
            return [.. single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => (section.Path, v))];
        }

        var children = section.GetChildren().ToList();
        return children.Count == 0 ? null : [.. children.Select(c => (c.Path, c.Value ?? ""))];
    }
}
