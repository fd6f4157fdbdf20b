using Aibench.Shared.Persistence;
using FluentValidation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Shared.Modules;

/// <summary>What every module wires the same way; its own services follow in its <c>Add&lt;Module&gt;</c>.</summary>
public static class ModuleRegistration
{
    /// <summary>The module's descriptor, its DbContext (on its schema) and its validators (singletons, internal ones too).</summary>
    public static IServiceCollection AddModuleCore<TContext>(this IServiceCollection services, ModuleDescriptor descriptor, string schema)
        where TContext : ModuleDbContext
    {
        services.AddSingleton(descriptor);
        services.AddModuleDbContext<TContext>(descriptor.Name, schema);
        services.AddValidatorsFromAssembly(descriptor.Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        return services;
    }

    /// <summary>
    /// The module's settings as a singleton. The host checked them at start-up (<see cref="ModuleDescriptor.CheckConfiguration"/>
    /// made by <see cref="Checking{TSettings}"/>), so loading here cannot fail on a bad value.
    /// </summary>
    public static IServiceCollection AddModuleSettings<TSettings>(this IServiceCollection services, Func<IConfiguration, List<string>,
        TSettings> load)
        where TSettings : class =>
        services.AddSingleton(sp => load(sp.GetRequiredService<IConfiguration>(), []));

    /// <summary>A descriptor's configuration check from the settings' loader: every error it collects, each naming its key.</summary>
    public static Func<IConfiguration, DataFolder, IEnumerable<string>> Checking<TSettings>(Func<IConfiguration, List<string>, TSettings> load) =>
        (configuration, _) =>
        {
            var errors = new List<string>();
            load(configuration, errors);
            return errors;
        };
}
