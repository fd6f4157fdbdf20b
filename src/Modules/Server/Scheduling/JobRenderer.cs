using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Aibench.Server.Recipes;

namespace Aibench.Server.Scheduling;

/// <summary>What a service is deployed as: the recipe, the checked parameter values and where it runs.</summary>
internal sealed record JobSpec(
    Guid ServiceId,
    Recipe Recipe,
    IReadOnlyDictionary<string, string> Values,
    int Nodes,
    string RunFolder,
    string? Account,
    string? Partition,
    string? Qos)
{
    /// <summary>The aibench program the compute nodes run for {{aibench}} (the simulator, load-generator workers).</summary>
    public string AibenchBinary { get; init; } = "aibench";

    /// <summary>Tasks started: one per node for replicas and Ray, one in all for a single instance.</summary>
    public int Tasks => Recipe.Deployment == DeploymentMode.Single ? 1 : Nodes;

    /// <summary>Endpoint files expected before the service counts as ready: one per task, or the Ray head's only.</summary>
    public int ExpectedEndpoints => Recipe.Deployment == DeploymentMode.Replicas ? Nodes : 1;

    /// <summary>Unique per service (the whole id: version-7 ids share their first digits within a minute).</summary>
    public string JobName => $"aibench-{Recipe.Name}-{ServiceId:N}";
}

/// <summary>The files a job is made of, all written into its run folder.</summary>
internal sealed record RenderedJob(string BatchScript, string EnvScript, string TaskScript)
{
    public const string BatchFile = "job.sh";
    public const string EnvFile = "env.sh";
    public const string TaskFile = "task.sh";
}

/// <summary>
/// Turns a recipe and its values into shell scripts. The rule: nothing a user typed is ever shell syntax.
/// Values travel as single-quoted literals in exported variables; the command is a list of words, each rendered
/// as quoted literal text and "${VARIABLE}" references, so that $(…), backticks, ';' or quotes in a value are
/// passed to the program as the characters they are.
/// </summary>
internal static partial class JobRenderer
{
    public static RenderedJob Render(JobSpec job)
    {
        var recipe = job.Recipe;
        var r = recipe.Resources;
        var batch = new StringBuilder();
        batch.Append("#!/bin/bash -l\n");
        Directive(batch, "job-name", job.JobName);
        Directive(batch, "nodes", Num(job.Nodes));
        Directive(batch, "ntasks", Num(job.Tasks));
        Directive(batch, "ntasks-per-node", "1");
        Directive(batch, "cpus-per-task", Num(r.CpusPerTask));
        if (r.GpusPerNode > 0) Directive(batch, "gpus-per-node", Num(r.GpusPerNode));
        if (r.Memory is not null) Directive(batch, "mem", r.Memory);
        if (r.TimeLimit is not null) Directive(batch, "time", r.TimeLimit);
        if (job.Partition is not null) Directive(batch, "partition", job.Partition);
        if (job.Account is not null) Directive(batch, "account", job.Account);
        if (job.Qos is not null) Directive(batch, "qos", job.Qos);
        if (r.Constraint is not null) Directive(batch, "constraint", r.Constraint);
        Directive(batch, "output", Path.Combine(job.RunFolder, "slurm-%j.out"));
        Directive(batch, "error", Path.Combine(job.RunFolder, "slurm-%j.err"));
        batch.Append($"# Rendered by aibench from recipe '{recipe.Name}' for service {job.ServiceId}.\n");
        batch.Append("set -euo pipefail\n");
        batch.Append($"source {Quote(Path.Combine(job.RunFolder, RenderedJob.EnvFile))}\n");
        foreach (var module in recipe.Modules)
        {
            batch.Append($"module load {Quote(module)}\n");
        }

        // Each task writes its own output files, so that the logs of every replica stay apart.
        Srun(batch, job.RunFolder, job.Tasks, tasksPerNode: 1, killOnBadExit: true);

        var env = new StringBuilder();
        env.Append("# Values of this deployment, as data. Sourced by job.sh and task.sh.\n");
        Export(env, "AIBENCH_SERVICE_ID", job.ServiceId.ToString());
        Export(env, "AIBENCH_RUN_DIR", job.RunFolder);
        Export(env, "AIBENCH_NODES", Num(job.Nodes));
        Export(env, "AIBENCH_TASKS", Num(job.Tasks));
        Export(env, "AIBENCH_GPUS_PER_NODE", Num(r.GpusPerNode));
        Export(env, "AIBENCH_DEPLOYMENT", recipe.Deployment.ToString().ToLowerInvariant());
        Export(env, "AIBENCH_ACCOUNT", job.Account ?? "");
        Export(env, "AIBENCH_BIN", job.AibenchBinary);
        foreach (var (name, value) in job.Values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            Export(env, ParameterVariable(name), value);
        }

        return new RenderedJob(batch.ToString(), env.ToString(), Task(job));
    }

    /// <summary>
    /// A port found free is not yet taken: the service binds it only once it has started, and a task of another job
    /// starting at the same moment on the same node (a campaign, several services of one user, the test clusters, whose
    /// nodes are one machine) would find it free too and one of them would fail with "address already in use". So
    /// the search and a claim run under a lock: the claim is a file named after the port, holding this shell's pid,
    /// which the service keeps (it is exec'd). A claim whose pid is gone is stale and taken over; one of this very shell
    /// is taken too (a sidecar never gets the service's own ports). The claims are per
    /// user (other users' ports are seen bound) and in /tmp, not the job's own TMPDIR; without flock the search runs
    /// unlocked, as before. Only shell builtins are needed (a node's PATH may be bare), flock and mkdir if present.
    /// </summary>
    private const string PortClaims = """
        aibench_claims="/tmp/aibench-ports-$UID"
        if [ ! -d "$aibench_claims" ] && command -v mkdir > /dev/null; then mkdir -p "$aibench_claims" 2>/dev/null || true; fi
        aibench_lock="$aibench_claims/lock"
        [ -d "$aibench_claims" ] && [ -w "$aibench_claims" ] || aibench_lock=/dev/null
        aibench_take_port() {
          aibench_port=$(
            {
              if command -v flock > /dev/null; then flock -w 30 9 || true; fi
              p="$1"
              while :; do
                if aibench_port_free "$p"; then
                  owner=""
                  read -r owner 2>/dev/null < "$aibench_claims/$p" || true
                  if [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null; then
                    echo "$$" 2>/dev/null > "$aibench_claims/$p" || true
                    break
                  fi
                fi
                p=$(( p + $2 ))
              done
              echo "$p"
            } 9>>"$aibench_lock"
          )
        }

        """;

    private static string Task(JobSpec job)
    {
        var recipe = job.Recipe;
        var t = new StringBuilder();
        t.Append("#!/bin/bash\n");
        t.Append("# One task of the service: finds its ports, announces its endpoint, then becomes the service.\n");
        t.Append("set -euo pipefail\n");
        t.Append($"source {Quote(Path.Combine(job.RunFolder, RenderedJob.EnvFile))}\n");
        t.Append("export AIBENCH_TASK=\"${SLURM_PROCID:-0}\"\n");
        t.Append("export AIBENCH_NODE=\"${SLURMD_NODENAME:-$(hostname -s)}\"\n");
        t.Append("aibench_host=\"${AIBENCH_ENDPOINT_HOST:-$(hostname)}\"\n");
        // Tasks of one job may share a machine (several slurmd on one host, or the local scheduler): each starts
        // its search at its own offset and steps past the others' ranges.
        t.Append("aibench_port_free() { ! (exec 3<>\"/dev/tcp/127.0.0.1/$1\") 2>/dev/null; }\n");
        t.Append($"aibench_step=$(( AIBENCH_TASKS * {Num(recipe.Ports.Count)} ))\n");
        t.Append(PortClaims);
        for (var i = 0; i < recipe.Ports.Count; i++)
        {
            var port = recipe.Ports[i];
            var variable = i == 0 ? "AIBENCH_PORT" : PortVariable(port.Name);
            t.Append($"aibench_take_port $(( {Num(port.Port)} + AIBENCH_TASK * {Num(recipe.Ports.Count)} + {Num(i)} )) \"$aibench_step\"\n");
            t.Append($"export {variable}=\"$aibench_port\"\n");
            if (i == 0)
            {
                t.Append($"export {PortVariable(port.Name)}=\"$aibench_port\"\n");
            }
        }

        // Words that put a program inside the recipe's container (nothing when it has none); exec-able, unlike a function.
        var inImage = recipe.Image is null
            ? ""
            : $"apptainer exec {(recipe.Resources.GpusPerNode > 0 ? "--nv " : "")}--bind \"$AIBENCH_RUN_DIR\" {Quote(recipe.Image)} ";
        t.Append("aibench_announce() {\n")
            .Append("  mkdir -p \"$AIBENCH_RUN_DIR/endpoints\"\n")
            .Append("  local f=\"$AIBENCH_RUN_DIR/endpoints/$AIBENCH_TASK.json\"\n")
            .Append("  printf '{\"host\":\"%s\",\"port\":%d,\"node\":\"%s\",\"task\":%d}\\n' \"$aibench_host\" \"$AIBENCH_PORT\" \"$AIBENCH_NODE\" "
                + "\"$AIBENCH_TASK\" > \"$f.tmp\"\n")
            .Append("  mv \"$f.tmp\" \"$f\"\n")
            .Append("}\n");

        t.Append(Sidecars(recipe));

        // The recipe's environment may name {{head_address}}, so it is set once that is known.
        var env = string.Concat(recipe.Env.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"export {e.Key}={Words(e.Value)}\n"));

        var command = string.Join(' ', recipe.Command.Select(Words));
        if (recipe.Deployment == DeploymentMode.Ray)
        {
            t.Append("head_file=\"$AIBENCH_RUN_DIR/ray-head\"\n");
            t.Append("if [ \"$AIBENCH_TASK\" = 0 ]; then\n")
                .Append("  export AIBENCH_HEAD_ADDRESS=\"$aibench_host\"\n")
                .Append(Indent(env))
                .Append($"  {inImage}ray start --head --port=6379 --disable-usage-stats\n")
                .Append("  printf '%s' \"$aibench_host\" > \"$head_file.tmp\" && mv \"$head_file.tmp\" \"$head_file\"\n")
                .Append("  aibench_announce\n")
                .Append($"  exec {inImage}{command}\n")
                .Append("else\n")
                .Append("  while [ ! -s \"$head_file\" ]; do sleep 1; done\n")
                .Append("  export AIBENCH_HEAD_ADDRESS=\"$(cat \"$head_file\")\"\n")
                .Append(Indent(env))
                .Append($"  exec {inImage}ray start --address=\"$AIBENCH_HEAD_ADDRESS:6379\" --block --disable-usage-stats\n")
                .Append("fi\n");
        }
        else
        {
            t.Append("export AIBENCH_HEAD_ADDRESS=\"$aibench_host\"\n");
            t.Append(env);
            t.Append("aibench_announce\n");
            t.Append($"exec {inImage}{command}\n");
        }

        return t.ToString();
    }

    /// <summary>Ports the exporters search from (base + task index), as their own projects register them.</summary>
    internal const int NodeExporterPort = 9100;
    internal const int GpuExporterPort = 9400;

    /// <summary>
    /// The monitoring sidecars of metrics.exporters, started before the service so that their files exist by the time
    /// it is ready. Every word here is fixed text: the only inputs are the recipe's validated modes and port variables.
    /// </summary>
    private static string Sidecars(Recipe recipe)
    {
        var (node, gpu) = (recipe.Exporters.Node, recipe.Exporters.Gpu);
        if (node == ExporterMode.Off && gpu == ExporterMode.Off)
        {
            return "";
        }

        var s = new StringBuilder();
        s.Append("# Monitoring sidecars (metrics.exporters), written to exporters/<task>-<kind>.json like the endpoint.\n")
            .Append("# Not setsid: in the task's process group they are signalled with it by the local scheduler's cancel, and in\n")
            .Append("# the job step's cgroup SLURM kills them with the step. The service ending by itself is what neither covers\n")
            .Append("# (locally a sidecar would outlive it, holding its port): a watchdog per sidecar ends it once this shell's pid\n")
            .Append("# is gone, and that pid is the service's, since the command is exec'd.\n")
            .Append("aibench_exporter_port() {\n")
            .Append("  aibench_take_port $(( $1 + AIBENCH_TASK )) \"$AIBENCH_TASKS\"\n")
            .Append("  aibench_xp=\"$aibench_port\"\n")
            .Append("}\n")
            .Append("aibench_exporter() {\n")
            .Append("  local kind=\"$1\" f=\"$AIBENCH_RUN_DIR/exporters/$AIBENCH_TASK-$1\" pid i\n")
            .Append("  shift\n")
            .Append("  mkdir -p \"$AIBENCH_RUN_DIR/exporters\"\n")
            // A failed job's reason quotes the last line of task-<n>.err: an exporter's chatter must not be it.
            .Append("  \"$@\" < /dev/null > \"$f.log\" 2>&1 &\n")
            .Append("  pid=$!\n")
            .Append("  ( while kill -0 $$ && kill -0 \"$pid\"; do sleep 2; done; kill \"$pid\" ) < /dev/null > /dev/null 2>&1 &\n")
            .Append("  for (( i = 0; i < 100; i++ )); do\n")
            .Append("    aibench_port_free \"$aibench_xp\" && kill -0 \"$pid\" 2>/dev/null || break\n")
            .Append("    sleep 0.1\n")
            .Append("  done\n")
            .Append("  if aibench_port_free \"$aibench_xp\" || ! kill -0 \"$pid\" 2>/dev/null; then\n")
            .Append("    kill \"$pid\" 2>/dev/null || true\n")
            .Append("    echo \"aibench: the $kind exporter ($1) is not listening on port $aibench_xp of $AIBENCH_NODE; see $f.log\" >&2\n")
            .Append("    return 1\n")
            .Append("  fi\n")
            .Append("  printf '{\"kind\":\"%s\",\"host\":\"%s\",\"port\":%d,\"node\":\"%s\",\"task\":%d,\"path\":\"/metrics\"}\\n' \"$kind\" "
                + "\"$aibench_host\" \"$aibench_xp\" \"$AIBENCH_NODE\" \"$AIBENCH_TASK\" > \"$f.json.tmp\"\n")
            .Append("  mv \"$f.json.tmp\" \"$f.json\"\n")
            .Append("}\n");

        if (node != ExporterMode.Off)
        {
            s.Append("aibench_program=$(command -v prometheus-node-exporter || command -v node_exporter || true)\n")
                .Append("if [ -n \"$aibench_program\" ]; then\n")
                .Append($"  aibench_exporter_port {Num(NodeExporterPort)}\n")
                // What a job needs is the node's load, not its inventory: the ~40 default collectors cost time on
                // nodes with hundreds of CPUs and mounts, and the site's own exporter has the rest. InfiniBand stays:
                // Ray and multi-node tensor parallelism talk over it, not over the netdev interfaces.
                .Append("  aibench_exporter node \"$aibench_program\" \"--web.listen-address=:$aibench_xp\" --collector.disable-defaults \\\n")
                .Append("    --collector.cpu --collector.meminfo --collector.loadavg --collector.netdev --collector.filesystem "
                    + "--collector.infiniband")
                .Append(Failure(node))
                .Append(Missing(node, "node", "neither prometheus-node-exporter nor node_exporter is on the PATH"))
                .Append("fi\n");
        }

        if (gpu != ExporterMode.Off)
        {
            s.Append("if command -v dcgm-exporter > /dev/null; then\n")
                .Append($"  aibench_exporter_port {Num(GpuExporterPort)}\n")
                .Append("  aibench_exporter gpu dcgm-exporter --address \":$aibench_xp\"")
                .Append(Failure(gpu))
                // Without DCGM, aibench samples nvidia-smi under DCGM's metric names, so the same panels work.
                .Append("elif command -v nvidia-smi > /dev/null && command -v \"$AIBENCH_BIN\" > /dev/null; then\n")
                .Append($"  aibench_exporter_port {Num(GpuExporterPort)}\n")
                .Append("  aibench_exporter gpu \"$AIBENCH_BIN\" gpu-sampler --port \"$aibench_xp\"")
                .Append(Failure(gpu))
                .Append(Missing(gpu, "gpu", "neither dcgm-exporter nor nvidia-smi is on the PATH"))
                .Append("fi\n");
        }

        return s.ToString();

        // auto: a sidecar that does not start costs the service nothing; the message is in task-<n>.err.
        static string Failure(ExporterMode mode) => mode == ExporterMode.On ? " || exit 1\n" : " || true\n";

        static string Missing(ExporterMode mode, string kind, string why) => mode != ExporterMode.On
            ? ""
            : "else\n"
              + $"  echo \"aibench: metrics.exporters.{kind} is on, but {why} of $AIBENCH_NODE (set it to auto to run without)\" >&2\n"
              + "  exit 1\n";
    }

    private static string Indent(string lines) =>
        string.Concat(lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l + "\n"));

    /// <summary>A word of the command (or an env value): quoted literal text and "${VARIABLE}" references.</summary>
    internal static string Words(string template)
    {
        var result = new StringBuilder();
        var last = 0;
        foreach (Match m in Placeholder().Matches(template))
        {
            if (m.Index > last) result.Append(Quote(template[last..m.Index]));
            result.Append("\"${").Append(Variable(m.Groups["name"].Value)).Append("}\"");
            last = m.Index + m.Length;
        }

        if (last < template.Length || result.Length == 0) result.Append(Quote(template[last..]));
        return result.ToString();
    }

    /// <summary>POSIX single quotes: nothing inside is interpreted; a quote itself becomes '\''.</summary>
    internal static string Quote(string value)
    {
        if (value.Any(char.IsControl))
        {
            // Validation refuses control characters before any rendering; reaching here is a bug, not input.
            throw new ArgumentException("Control characters cannot be rendered into a job script.", nameof(value));
        }

        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static string Variable(string placeholder) => placeholder switch
    {
        "port" => "AIBENCH_PORT",
        "task" => "AIBENCH_TASK",
        "nodes" => "AIBENCH_NODES",
        "node" => "AIBENCH_NODE",
        "run_dir" => "AIBENCH_RUN_DIR",
        "service_id" => "AIBENCH_SERVICE_ID",
        "gpus_per_node" => "AIBENCH_GPUS_PER_NODE",
        "head_address" => "AIBENCH_HEAD_ADDRESS",
        "account" => "AIBENCH_ACCOUNT",
        "user" => "USER",
        "aibench" => "AIBENCH_BIN",
        _ when placeholder.StartsWith("port.", StringComparison.Ordinal) => PortVariable(placeholder["port.".Length..]),
        _ => ParameterVariable(placeholder),
    };

    internal static string ParameterVariable(string name) => "AIBENCH_P_" + name.ToUpperInvariant();

    private static string PortVariable(string name) => "AIBENCH_PORT_" + name.ToUpperInvariant();

    /// <summary>The step that runs task.sh on every task, each task's output in its own <c>task-&lt;n&gt;.out/.err</c>.</summary>
    internal static void Srun(StringBuilder script, string runFolder, int tasks, int tasksPerNode, bool killOnBadExit) =>
        script.Append($"srun --ntasks={Num(tasks)} --ntasks-per-node={Num(tasksPerNode)} --kill-on-bad-exit={(killOnBadExit ? 1 : 0)} ")
            .Append($"--output={Quote(Path.Combine(runFolder, "task-%t.out"))} --error={Quote(Path.Combine(runFolder, "task-%t.err"))} ")
            .Append($"bash {Quote(Path.Combine(runFolder, RenderedJob.TaskFile))}\n");

    internal static void Directive(StringBuilder script, string name, string value)
    {
        // Directives are read by sbatch, not by the shell; values are already restricted by the recipe validator
        // and by the host's own choice of paths, and quoting keeps even a space in a run folder intact.
        script.Append("#SBATCH --").Append(name).Append('=').Append(value.Contains(' ', StringComparison.Ordinal) ? $"\"{value}\""
            : value).Append('\n');
    }

    internal static void Export(StringBuilder script, string name, string value) =>
        script.Append("export ").Append(name).Append('=').Append(Quote(value)).Append('\n');

    internal static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\{\{\s*(?<name>[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?)\s*\}\}")]
    private static partial Regex Placeholder();
}
