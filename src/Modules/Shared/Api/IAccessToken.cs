namespace Aibench.Shared.Api;

/// <summary>
/// The access token of this aibench instance. The Host owns it (reading or creating it at start-up); a module that
/// starts parts of itself elsewhere, such as the Client module's load-generator workers on compute nodes, hands it to
/// them so that they can report back, without knowing where it comes from.
/// </summary>
public interface IAccessToken
{
    string Token { get; }
}
