namespace Aibench.Server.Recipes;

/// <summary>A recipe file that could not be loaded, with every problem found in it.</summary>
internal sealed record RecipeLoadError(string File, IReadOnlyList<RecipeError> Errors);

/// <summary>
/// The recipes aibench knows: those shipped beside the binary, then the user's folder (a user recipe with the name
/// of a shipped one replaces it). Loaded at start-up and again whenever a file in either folder changes.
/// </summary>
internal sealed class RecipeCatalog : IDisposable
{
    private readonly ServerSettings _settings;
    private readonly ILogger<RecipeCatalog> _logger;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Lock _lock = new();
    private Timer? _debounce;
    private (IReadOnlyDictionary<string, Recipe> Recipes, IReadOnlyList<RecipeLoadError> Errors) _state;

    public RecipeCatalog(ServerSettings settings, ILogger<RecipeCatalog> logger)
    {
        _settings = settings;
        _logger = logger;
        // The user's folder exists from the start, so that recipes dropped into it later are seen.
        Directory.CreateDirectory(settings.UserRecipesFolder);
        _state = Load();
        foreach (var folder in Folders.Where(Directory.Exists))
        {
            var watcher = new FileSystemWatcher(folder, "*.yaml")
                { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
            watcher.Changed += (_, _) => Schedule();
            watcher.Created += (_, _) => Schedule();
            watcher.Deleted += (_, _) => Schedule();
            watcher.Renamed += (_, _) => Schedule();
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    public IReadOnlyCollection<Recipe> All => _state.Recipes.Values.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();

    public IReadOnlyList<RecipeLoadError> Errors => _state.Errors;

    private IEnumerable<string> Folders => [_settings.ShippedRecipesFolder, _settings.UserRecipesFolder];

    public Recipe? Find(string name) => _state.Recipes.GetValueOrDefault(name);

    /// <summary>Reads both folders again now (the watcher does this by itself after a change).</summary>
    public void Reload()
    {
        var state = Load();
        lock (_lock)
        {
            _state = state;
        }
    }

    private void Schedule()
    {
        // Editors write files in several steps; one reload after the burst.
        lock (_lock)
        {
            _debounce?.Dispose();
            _debounce = new Timer(_ => Reload(), null, TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);
        }
    }

    private (IReadOnlyDictionary<string, Recipe>, IReadOnlyList<RecipeLoadError>) Load()
    {
        var recipes = new Dictionary<string, Recipe>(StringComparer.Ordinal);
        var errors = new List<RecipeLoadError>();
        foreach (var folder in Folders.Where(Directory.Exists))
        {
            foreach (var file in Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
            {
                RecipeParseResult result;
                try
                {
                    result = RecipeParser.Parse(File.ReadAllText(file), file);
                }
                catch (IOException e)
                {
                    result = new RecipeParseResult(null, [new RecipeError("recipe", e.Message)]);
                }

                if (result.Recipe is { } recipe)
                {
                    if (Path.GetFileNameWithoutExtension(file) != recipe.Name)
                    {
                        errors.Add(new RecipeLoadError(file,
                            [new RecipeError("name", $"'{recipe.Name}' differs from the file name; name the file {recipe.Name}.yaml")]));
                        continue;
                    }

                    recipes[recipe.Name] = recipe;
                }
                else
                {
                    errors.Add(new RecipeLoadError(file, result.Errors));
                    _logger.LogWarning("Recipe {File} is not valid: {Errors}", file, string.Join("; ", result.Errors));
                }
            }
        }

        return (recipes, errors);
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _debounce?.Dispose();
    }
}
