using System.Reflection;
using System.Xml.Linq;
using Aibench.Host.Hosting;
using Aibench.Tests.Infrastructure;
using NetArchTest.Rules;

namespace Aibench.Tests.Architecture;

/// <summary>Modules talk only through Contracts and the mediator; they never reach into one another.</summary>
public sealed class ModuleIsolationTests
{
    private static readonly string[] ModuleNames = ["Server", "Client", "Monitor", "Logs", "Experiments", "Notifications"];

    public static TheoryData<string> Modules => new(ModuleNames);

    private static Assembly ModuleAssembly(string name) =>
        AibenchHost.Modules.Single(m => m.Name == name).Assembly;

    [Theory]
    [MemberData(nameof(Modules))]
    public void A_module_assembly_references_no_other_module(string module)
    {
        var referenced = ModuleAssembly(module).GetReferencedAssemblies().Select(a => a.Name).ToList();
        foreach (var other in ModuleNames.Where(m => m != module))
        {
            Assert.DoesNotContain($"Aibench.{other}", referenced);
        }
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void No_type_of_a_module_depends_on_another_modules_namespace(string module)
    {
        var others = ModuleNames.Where(m => m != module).Select(m => $"Aibench.{m}").ToArray();
        var result = Types.InAssembly(ModuleAssembly(module)).ShouldNot().HaveDependencyOnAny(others).GetResult();
        Assert.True(result.IsSuccessful, "Depends on another module: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Theory]
    [InlineData("Monitor")]
    [InlineData("Logs")]
    public void Monitor_and_logs_never_send_an_experiments_message(string module)
    {
        // Contracts point one way (ADR 0013): the experiment's id travels down with the deployment and the benchmark, and
        // the Server module hands it on; a module that Experiments asks for series or logs must not ask Experiments back.
        var result = Types.InAssembly(ModuleAssembly(module)).ShouldNot().HaveDependencyOn("Aibench.Contracts.Experiments").GetResult();
        Assert.True(result.IsSuccessful, "Uses an Experiments message: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void Contracts_and_shared_depend_on_no_module()
    {
        var modules = ModuleNames.Select(m => $"Aibench.{m}").ToArray();
        foreach (var assembly in new[] { typeof(Aibench.Contracts.Server.GetServiceStatus).Assembly,
            typeof(Aibench.Shared.Modules.ModuleDescriptor).Assembly })
        {
            var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(modules).GetResult();
            Assert.True(result.IsSuccessful, $"{assembly.GetName().Name} depends on a module: " + string.Join(", ", result.FailingTypeNames ?? []));
        }
    }

    [Fact]
    public void The_host_only_composes_its_command_line_knows_no_module_or_simulator_internals()
    {
        // The Host lists the commands the modules and the simulator offer (ModuleCommand); the commands themselves,
        // and the engines they drive, live with their module. Beyond the command line, outside the generated mediator
        // (which must see every handler), the Host uses a module only through its <Module>Module class (Add…, Map…,
        // Descriptor) and Shared's contracts (e.g. IAccessToken): no module's sub-namespace.
        var result = Types.InAssembly(typeof(AibenchHost).Assembly).That().DoNotResideInNamespace("Mediator")
            .ShouldNot().HaveDependencyOnAny([.. ModuleNames.Select(m => $"Aibench.{m}.")])
            .GetResult();
        Assert.True(result.IsSuccessful, "Reaches into a module: " + string.Join(", ", result.FailingTypeNames ?? []));
        Assert.Empty(Directory.GetFiles(Path.Combine(Repo.Root, "src", "Host", "Cli")).Select(Path.GetFileName)
            .Except(["AibenchCommandLine.cs", "ServeCommand.cs"]));
    }

    [Fact]
    public void The_hosts_sources_name_no_module_internals()
    {
        // The rule above, read from the sources: NetArchTest does not see type arguments of generic calls
        // (AddSingleton<IWorkerCallback, …>), which is how a registration would reach in.
        var pattern = new System.Text.RegularExpressions.Regex($@"\bAibench\.({string.Join("|", ModuleNames)})\.\w");
        var host = Path.Combine(Repo.Root, "src", "Host");
        var reaching = Directory.GetFiles(host, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(host, f).Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(Repo.Root, f), Line: i + 1, Text: line)))
            .Where(l => pattern.IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.Empty(reaching);
    }

    [Fact]
    public void Project_files_keep_the_same_rules()
    {
        var projects = Directory.GetFiles(Path.Combine(Repo.Root, "src"), "*.csproj", SearchOption.AllDirectories);
        foreach (var project in projects)
        {
            var xml = XDocument.Load(project);
            var name = Path.GetFileNameWithoutExtension(project);
            var packages = xml.Descendants("PackageReference").Select(p => (string?)p.Attribute("Include")).ToList();
            var references = xml.Descendants("ProjectReference")
                .Select(p => Path.GetFileNameWithoutExtension((string?)p.Attribute("Include") ?? "")).ToList();

            if (name != "Host")
            {
                Assert.DoesNotContain("Mediator.SourceGenerator", packages);
            }

            if (ModuleNames.Contains(name))
            {
                Assert.Empty(references.Except(["Contracts", "Shared"]));
            }

            Assert.DoesNotContain(packages, p => p?.StartsWith("MediatR", StringComparison.OrdinalIgnoreCase) == true);
        }
    }

    [Fact]
    public void Every_module_is_listed_by_the_host()
    {
        Assert.Equal(ModuleNames, AibenchHost.Modules.Select(m => m.Name));
        Assert.Equal(ModuleNames.Length, AibenchHost.Modules.Select(m => m.DocumentName).Distinct().Count());
    }
}
