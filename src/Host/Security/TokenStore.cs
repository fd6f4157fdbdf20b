using System.Security.Cryptography;
using System.Text;
using Aibench.Host.Configuration;
using Aibench.Shared.Api;

namespace Aibench.Host.Security;

/// <summary>
/// The one access token of this aibench instance: from <c>AIBENCH_TOKEN</c> (setting <c>Token</c>), or else
/// read from, or created in, <c>$AIBENCH_HOME/token</c> with mode 0600 so other users of the login node cannot read it.
/// </summary>
internal sealed class TokenStore : IAccessToken
{
    private readonly byte[] _tokenHash;

    public TokenStore(AibenchSettings settings, ILogger<TokenStore> logger)
    {
        Token = settings.Token ?? LoadOrCreate(settings.TokenFile, logger);
        _tokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(Token));
        // A per-instance cookie name: several users' aibench instances on one login node share the host name,
        // and cookies are not kept apart by port.
        CookieName = "aibench." + Convert.ToHexStringLower(_tokenHash.AsSpan(0, 4));
        TokenId = Convert.ToHexStringLower(_tokenHash.AsSpan(0, 16));
    }

    public string Token { get; }

    public string CookieName { get; }

    /// <summary>Names the current token without revealing it; sessions carry it, so a new token ends old sessions.</summary>
    public string TokenId { get; }

    /// <summary>Constant-time: comparing fixed-length hashes leaks neither the token's content nor its length.</summary>
    public bool Verify(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate) || candidate.Length > 1024)
        {
            return false;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(candidate));
        return CryptographicOperations.FixedTimeEquals(hash, _tokenHash);
    }

    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string LoadOrCreate(string path, ILogger logger)
    {
        if (File.Exists(path))
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                logger.LogWarning("The token file {Path} was readable by others; its mode is now 0600", path);
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            var existing = File.ReadAllText(path).Trim();
            if (existing.Length >= 22)
            {
                return existing;
            }

            logger.LogWarning("The token file {Path} held no usable token; a new one was written", path);
        }

        var token = NewToken();
        var temp = path + ".tmp";
        // Created with 0600 from the start: no moment where the token is readable by others.
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            stream.Write(Encoding.UTF8.GetBytes(token + "\n"));
        }

        File.Move(temp, path, overwrite: true);
        return token;
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
