using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;

namespace Aibench.Server.Scheduling;

/// <summary>
/// SLURM through slurmrestd (OpenAPI v0.0.38 and later): over a Unix socket or a URL, with JWT headers
/// (<c>X-SLURM-USER-NAME</c>/<c>X-SLURM-USER-TOKEN</c>) when a user is configured. slurmrestd does not read
/// <c>#SBATCH</c> lines, so the job's directives are taken from the rendered job.sh and sent as job properties.
/// </summary>
internal sealed class SlurmRestScheduler : IScheduler, IDisposable
{
    private readonly SchedulerSettings _settings;
    private readonly CommandRunner _runner;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;
    private (string Token, DateTimeOffset Expires)? _jwt;

    public SlurmRestScheduler(SchedulerSettings settings, CommandRunner runner, TimeProvider time)
    {
        _settings = settings;
        _runner = runner;
        _time = time;
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (settings.RestSocket is { } socket)
        {
            handler.ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            };
        }

        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri((settings.RestUrl ?? "http://slurmrestd").TrimEnd('/') + $"/slurm/{settings.RestApiVersion}/"),
            Timeout = settings.CommandTimeout,
        };
        _retry = SchedulerRetry.For(settings);
    }

    public string Kind => "slurm-rest";

    public bool SupportsArrays => true;

    public async Task<SchedulerHealth> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var ping = await SendAsync(HttpMethod.Get, "ping", null, cancellationToken);
            var pings = ping["pings"]?.AsArray() ?? [];
            var up = pings.Any(p => p?["ping"]?.GetValue<string>() == "UP" || p?["pinged"]?.GetValue<string>() == "UP");
            return new SchedulerHealth(Kind, up,
                $"slurmrestd {_settings.RestApiVersion} at {_settings.RestSocket ?? _settings.RestUrl}: "
                    + $"{(up ? "controller UP" : "controller not UP")}");
        }
        catch (SchedulerUnavailableException e)
        {
            return new SchedulerHealth(Kind, false, e.Message);
        }
    }

    public async Task<string> SubmitAsync(SubmittedJob job, CancellationToken cancellationToken)
    {
        var script = await File.ReadAllTextAsync(Path.Combine(job.RunFolder, job.BatchFile), cancellationToken);
        var properties = Properties(script, job.RunFolder);
        var body = new JsonObject { ["script"] = script, ["job"] = properties };
        // Not retried: a lost answer may hide a submitted job; the caller looks it up by name first.
        var answer = await SendOnceAsync(HttpMethod.Post, "job/submit", body, cancellationToken);
        if (Errors(answer) is { Length: > 0 } errors)
        {
            throw new SubmissionRejectedException(errors);
        }

        return answer["job_id"]?.ToString() ?? throw new SchedulerUnavailableException("slurmrestd returned no job_id");
    }

    /// <summary>The job of that name; for a job array, the array's own id (its tasks share the name).</summary>
    public async Task<string?> FindByNameAsync(string jobName, CancellationToken cancellationToken) =>
        (await JobsAsync(cancellationToken)).FirstOrDefault(j => j["name"]?.ToString() == jobName) is { } job
            ? Number(job["array_job_id"]) is { } array and > 0 ? array.ToString(CultureInfo.InvariantCulture) : job["job_id"]?.ToString()
            : null;

    public async Task<IReadOnlyDictionary<string, JobState>> QueryAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        var wanted = jobIds.ToHashSet(StringComparer.Ordinal);
        var states = new Dictionary<string, JobState>(StringComparer.Ordinal);
        if (wanted.Count == 0) return states;

        // One request for every job the controller knows, as squeue: the cost does not grow with the services polled.
        var folded = new List<JsonNode>();
        foreach (var job in await JobsAsync(cancellationToken))
        {
            // A task of an array that has started is a job of its own, asked for as <array>_<index>; the tasks still
            // pending are one record of the array with their indices in array_task_string.
            var array = Number(job["array_job_id"]);
            var task = Number(job["array_task_id"]);
            var id = array is > 0 && task is { } t ? $"{array}_{t}" : job["job_id"]?.ToString();
            if (array is > 0 && task is null && job["array_task_string"]?.ToString() is { Length: > 0 }) folded.Add(job);
            if (id is null || !wanted.Contains(id)) continue;
            states[id] = StateOf(job);
        }

        foreach (var job in folded)
        {
            var prefix = $"{Number(job["array_job_id"])}_";
            var pending = ArrayIndices(job["array_task_string"]!.ToString());
            foreach (var id in wanted.Where(id => !states.ContainsKey(id) && id.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(id[prefix.Length..], CultureInfo.InvariantCulture, out var index) && pending.Contains(index)))
            {
                states[id] = StateOf(job);
            }
        }

        foreach (var id in wanted.Where(id => !states.ContainsKey(id)))
        {
            states[id] = JobState.Gone;
        }

        return states;
    }

    public async Task CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(HttpMethod.Delete, $"job/{Uri.EscapeDataString(jobId)}", null, cancellationToken);
        if (Errors(answer) is { Length: > 0 } errors
            && !errors.Contains("already", StringComparison.OrdinalIgnoreCase)
                && !errors.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
        {
            throw new SchedulerUnavailableException($"slurmrestd could not cancel {jobId}: {errors}");
        }
    }

    private async Task<IReadOnlyList<JsonNode>> JobsAsync(CancellationToken cancellationToken)
    {
        var answer = await SendAsync(HttpMethod.Get, "jobs", null, cancellationToken);
        return [.. (answer["jobs"]?.AsArray() ?? []).Where(j => j is not null).Select(j => j!)];
    }

    /// <summary>The directives aibench itself rendered into job.sh, as slurmrestd job properties.</summary>
    internal JsonObject Properties(string script, string runFolder)
    {
        var job = new JsonObject { ["current_working_directory"] = runFolder };
        foreach (var line in script.Split('\n').Where(l => l.StartsWith("#SBATCH --", StringComparison.Ordinal)))
        {
            var directive = line["#SBATCH --".Length..];
            var eq = directive.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) continue;
            var (key, value) = (directive[..eq], directive[(eq + 1)..].Trim('"'));
            switch (key)
            {
                case "job-name": job["name"] = value; break;
                case "nodes": job["nodes"] = value; break;
                case "ntasks": job["tasks"] = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "ntasks-per-node": job["tasks_per_node"] = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "cpus-per-task": job["cpus_per_task"] = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "gpus-per-node": job["gpus_per_node"] = value; break;
                case "mem": job["memory_per_node"] = Megabytes(value); break;
                case "time": job["time_limit"] = (int)Math.Ceiling(LocalScheduler.TimeLimit(value)!.Value.TotalMinutes); break;
                case "partition": job["partition"] = value; break;
                case "account": job["account"] = value; break;
                case "qos": job["qos"] = value; break;
                case "constraint": job["constraints"] = value; break;
                case "output": job["standard_output"] = value; break;
                case "error": job["standard_error"] = value; break;
                case "array": job["array"] = value; break;
            }
        }

        // As sbatch's default --export=ALL, minus aibench's own settings (the access token among them).
        var environment = new JsonObject();
        foreach (var entry in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                     .Where(e => !((string)e.Key).StartsWith("AIBENCH", StringComparison.Ordinal)))
        {
            environment[(string)entry.Key] = (string?)entry.Value ?? "";
        }

        environment["USER"] ??= Environment.UserName;
        // v0.0.38 takes an object; from v0.0.39 on, a list of NAME=value strings.
        job["environment"] = string.CompareOrdinal(_settings.RestApiVersion, "v0.0.39") >= 0
            ? new JsonArray([.. environment.Select(kv => (JsonNode)JsonValue.Create($"{kv.Key}={kv.Value}"))])
            : environment;
        return job;
    }

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async ct => await SendOnceAsync(method, path, body, ct), cancellationToken);

    private async Task<JsonNode> SendOnceAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        // slurmrestd refuses chunked bodies (406) and is unreliable with kept-alive connections: a sized body and a
        // fresh connection per request.
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString());
            // Exactly "application/json": slurmrestd does not recognise the type with a charset parameter.
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.ConnectionClose = true;
        if (_settings.RestUserName is { } user)
        {
            request.Headers.Add("X-SLURM-USER-NAME", user);
            request.Headers.Add("X-SLURM-USER-TOKEN", await TokenAsync(cancellationToken));
        }

        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonNode? json = null;
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
            }

            // A refused submission comes back as 4xx or even 500, with SLURM's reason in "errors".
            if (!response.IsSuccessStatusCode && method == HttpMethod.Post && json is not null && Errors(json) is { Length: > 0 } refused)
            {
                throw new SubmissionRejectedException(refused);
            }

            if ((int)response.StatusCode >= 500 || json is null)
            {
                throw new SchedulerUnavailableException($"slurmrestd answered {(int)response.StatusCode}: "
                    + $"{(text.Length > 300 ? text[..300] : text)}");
            }

            return json;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException && !cancellationToken.IsCancellationRequested)
        {
            throw new SchedulerUnavailableException($"slurmrestd does not answer: {e.Message}", e);
        }
    }

    /// <summary>The configured JWT, or one from <c>scontrol token</c>, fetched again ten minutes before it expires.</summary>
    private async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        if (_settings.RestToken is { } configured) return configured;
        if (_jwt is { } jwt && jwt.Expires - _time.GetUtcNow() > TimeSpan.FromMinutes(10)) return jwt.Token;
        var result = await _runner.RunAsync("scontrol", ["token", "lifespan=3600"], _settings.CommandTimeout, cancellationToken);
        var token = result.Stdout.Trim().Split('=', 2) is [_, var t] ? t.Trim() : null;
        if (result.ExitCode != 0 || string.IsNullOrEmpty(token))
        {
            throw new SchedulerUnavailableException($"scontrol token: {result.Message}");
        }

        _jwt = (token, _time.GetUtcNow().AddHours(1));
        return token;
    }

    private static string? Errors(JsonNode answer) =>
        answer["errors"]?.AsArray() is { Count: > 0 } errors
            ? string.Join("; ", errors.Select(e => e?["description"]?.ToString() is { Length: > 0 } d ? d : e?["error"]?.ToString()).Where(s
                => !string.IsNullOrEmpty(s)))
            : null;

    /// <summary>v0.0.38 sends the state as a string; later versions as a list of flags.</summary>
    private static string State(JsonNode? state) => state switch
    {
        JsonArray flags => flags.FirstOrDefault()?.ToString() ?? "UNKNOWN",
        null => "UNKNOWN",
        _ => state.ToString(),
    };

    private static string? ExitCode(JsonNode? code) => code switch
    {
        JsonObject o => $"{o["return_code"]?["number"] ?? o["return_code"]}:{o["signal"]?["id"]?["number"] ?? 0}",
        // v0.0.38 passes the raw wait status: exit code in the high byte, signal in the low bits.
        JsonValue v when v.TryGetValue<int>(out var raw) => $"{raw >> 8}:{raw & 0x7f}",
        _ => null,
    };

    private static JobState StateOf(JsonNode job) =>
        new(State(job["job_state"]), NullIfNone(job["state_reason"]?.ToString()), ExitCode(job["exit_code"]), NullIfNone(job["nodes"]?.ToString()));

    /// <summary>
    /// A number as v0.0.38 sends it (plain) or later versions do (<c>{set, infinite, number}</c>); null when unset or
    /// SLURM's NO_VAL.
    /// </summary>
    internal static long? Number(JsonNode? node)
    {
        var value = node switch
        {
            JsonObject o when o["set"]?.GetValue<bool>() == false || o["infinite"]?.GetValue<bool>() == true => null,
            JsonObject o => o["number"] is JsonValue n && n.TryGetValue<long>(out var x) ? x : null,
            JsonValue v when v.TryGetValue<long>(out var y) => y,
            _ => (long?)null,
        };
        return value is >= 0xFFFFFFFE ? null : value;
    }

    /// <summary>The indices of SLURM's array task string: <c>2-3%2</c>, <c>1,4,6-8</c>, <c>0-10:2</c>.</summary>
    internal static HashSet<int> ArrayIndices(string text)
    {
        var indices = new HashSet<int>();
        foreach (var part in text.Split('%')[0].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (range, step) = part.Split(':') is [var r, var s] && int.TryParse(s, CultureInfo.InvariantCulture, out var st) && st > 0
                ? (r, st) : (part, 1);
            var bounds = range.Split('-');
            if (!int.TryParse(bounds[0], CultureInfo.InvariantCulture, out var from)) continue;
            var to = bounds.Length > 1 && int.TryParse(bounds[1], CultureInfo.InvariantCulture, out var t) ? t : from;
            for (var i = from; i <= to && i - from <= 100_000; i += step) indices.Add(i);
        }

        return indices;
    }

    private static string? NullIfNone(string? value) => value is null or "" or "None" or "(null)" ? null : value;

    private static int Megabytes(string memory)
    {
        var unit = char.IsLetter(memory[^1]) ? memory[^1] : 'M';
        var number = long.Parse(char.IsLetter(memory[^1]) ? memory[..^1] : memory, CultureInfo.InvariantCulture);
        return (int)(unit switch { 'K' => number / 1024, 'G' => number * 1024, 'T' => number * 1024 * 1024, _ => number });
    }

    public void Dispose() => _http.Dispose();
}
