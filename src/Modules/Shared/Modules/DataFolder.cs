namespace Aibench.Shared.Modules;

/// <summary>The data folder (<c>$AIBENCH_HOME</c>) the host settled on; modules keep their files below it.</summary>
public sealed record DataFolder(string Path);
