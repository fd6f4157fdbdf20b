namespace Aibench.Tests.Infrastructure;

/// <summary>
/// Test classes that run an in-memory host join this collection and so run one at a time: Hangfire keeps some
/// process-wide state (the global configuration and its job activator), which two live hosts in one process
/// would share. aibench itself runs one host per process.
/// </summary>
[CollectionDefinition(nameof(HostCollection))]
public sealed class HostCollection;
