using System.Security.Claims;
using System.Text.Encodings.Web;
using Aibench.Shared.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Aibench.Host.Security;

/// <summary>
/// Scripts send <c>Authorization: Bearer &lt;token&gt;</c>; browsers log in once and then carry an HttpOnly,
/// SameSite=Strict cookie. One policy scheme picks between the two per request.
/// </summary>
internal static class TokenAuthentication
{
    public const string PolicyScheme = "aibench";
    public const string BearerScheme = "Bearer";
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string RetryAfterItem = "aibench.retry-after";

    public const string TokenIdClaim = "aibench:token-id";

    public static ClaimsPrincipal Principal(string scheme, TokenStore tokens) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "aibench-user"), new Claim(TokenIdClaim, tokens.TokenId)], scheme));

    public static IServiceCollection AddTokenAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(PolicyScheme)
            .AddPolicyScheme(PolicyScheme, "Token or cookie", options =>
                options.ForwardDefaultSelector = ctx =>
                    ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? BearerScheme
                        : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerScheme, null)
            .AddCookie(CookieScheme);

        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<TokenStore>((options, tokens) =>
        {
            options.Cookie.Name = tokens.CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = TimeSpan.FromDays(7);
            options.SlidingExpiration = true;
            options.LoginPath = "/login";
            options.LogoutPath = "/logout";
            options.Events.OnRedirectToLogin = ctx =>
            {
                if (WantsPage(ctx.Request))
                {
                    ctx.Response.Redirect(ctx.RedirectUri);
                }
                else
                {
                    ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    ctx.Response.Headers.WWWAuthenticate = "Bearer";
                }

                return Task.CompletedTask;
            };
            options.Events.OnValidatePrincipal = async ctx =>
            {
                if (ctx.Principal?.FindFirst(TokenIdClaim)?.Value != tokens.TokenId)
                {
                    ctx.RejectPrincipal();
                    await ctx.HttpContext.SignOutAsync(CookieScheme);
                }
            };
            options.Events.OnRedirectToAccessDenied = ctx =>
            {
                ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }

    /// <summary>A person's browser asking for a page gets the login page; everything else gets a 401.</summary>
    private static bool WantsPage(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && !ApiPaths.IsApi(request.Path)
        && !request.Path.StartsWithSegments("/_blazor")
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}

internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenStore tokens,
    TokenGuard guard) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // The right token first, always: a flood of wrong ones from another user must never lock its owner out.
        if (!tokens.Verify(header["Bearer ".Length..].Trim()))
        {
            var wait = guard.Failed();
            if (wait > TimeSpan.Zero)
            {
                Context.Items[TokenAuthentication.RetryAfterItem] = wait;
            }

            // No result rather than a failure: ASP.NET would log every failure, and a flood would fill the log; the
            // guard reports wrong attempts once a minute with their count. The challenge answers 401 or 429.
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var principal = TokenAuthentication.Principal(Scheme.Name, tokens);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[TokenAuthentication.RetryAfterItem] is TimeSpan wait)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
