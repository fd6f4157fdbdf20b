namespace Aibench.Shared.Api;

/// <summary>Thrown by a handler when the thing asked for does not exist; the API answers 404.</summary>
public sealed class NotFoundException(string resource, string id)
    : Exception($"{resource} '{id}' was not found.")
{
    public string Resource { get; } = resource;
    public string Id { get; } = id;
}

/// <summary>Thrown when a request clashes with the current state (e.g. cancelling a finished job); the API answers 409.</summary>
public sealed class ConflictException(string message) : Exception(message);
