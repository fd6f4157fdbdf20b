using System.Net;
using Microsoft.AspNetCore.Authentication;

namespace Aibench.Host.Security;

/// <summary>
/// Browser log-in: the Jupyter-style <c>?token=</c> link printed at start-up, or the token pasted into /login.
/// Either way the browser ends with the session cookie and a URL without the token in it.
/// </summary>
internal static class LoginEndpoints
{
    public static IApplicationBuilder UseTokenLink(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsGet(context.Request.Method) || !context.Request.Query.TryGetValue("token", out var token))
        {
            await next(context);
            return;
        }

        var query = QueryString.Create(context.Request.Query
            .Where(q => q.Key != "token")
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v))));
        var target = context.Request.PathBase + context.Request.Path + query;
        var result = await TrySignInAsync(context, token.ToString());
        context.Response.Redirect(result switch
        {
            SignInResult.Ok => target,
            SignInResult.TooMany => "/login?error=too-many",
            _ => "/login?error=wrong-token",
        });
    });

    public static void MapLogin(this IEndpointRouteBuilder app)
    {
        app.MapGet("/login", (HttpContext context, string? error, string? returnUrl) =>
                Results.Content(Page(error, returnUrl), "text/html; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/login", async (HttpContext context) =>
            {
                var form = await context.Request.ReadFormAsync();
                var returnUrl = LocalOnly(form["returnUrl"].ToString());
                return await TrySignInAsync(context, form["token"].ToString()) switch
                {
                    SignInResult.Ok => Results.Redirect(returnUrl),
                    SignInResult.TooMany => Results.Content(Page("too-many", returnUrl), "text/html; charset=utf-8", statusCode: 429),
                    _ => Results.Content(Page("wrong-token", returnUrl), "text/html; charset=utf-8", statusCode: 401),
                };
            })
            // The form carries no antiforgery token: there is no session to forge before log-in, and the
            // cookie it sets is SameSite=Strict.
            .AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();

        app.MapPost("/logout", async (HttpContext context) =>
            {
                await context.SignOutAsync(TokenAuthentication.CookieScheme);
                return Results.Redirect("/login");
            })
            .AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
    }

    private enum SignInResult
    {
        Ok,
        Wrong,
        TooMany,
    }

    private static async Task<SignInResult> TrySignInAsync(HttpContext context, string token)
    {
        var tokens = context.RequestServices.GetRequiredService<TokenStore>();
        if (!tokens.Verify(token))
        {
            // Only wrong attempts count, and only they are refused: the right token always signs in.
            var guard = context.RequestServices.GetRequiredService<TokenGuard>();
            return guard.Failed() > TimeSpan.Zero ? SignInResult.TooMany : SignInResult.Wrong;
        }

        await context.SignInAsync(TokenAuthentication.CookieScheme, TokenAuthentication.Principal(TokenAuthentication.CookieScheme, tokens),
            new AuthenticationProperties { IsPersistent = true });
        return SignInResult.Ok;
    }

    private static string LocalOnly(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal)
            && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";

    private static string Page(string? error, string? returnUrl)
    {
        var message = error switch
        {
            "wrong-token" => "That token is not right. The token is in the link aibench printed at start-up, or in $AIBENCH_HOME/token.",
            "too-many" => "Too many wrong tokens. Wait a minute and try again.",
            _ => null,
        };
        var alert = message is null ? "" : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(message)}</p>";
        var back = WebUtility.HtmlEncode(LocalOnly(returnUrl));
        return $$$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Log in · aibench</title>
            <style>
            body{font-family:Roboto,Helvetica,Arial,sans-serif;background:#f5f5f5;color:#222;display:flex;min-height:100vh;margin:0;
              align-items:center;justify-content:center}
            @media (prefers-color-scheme:dark){body{background:#1a1a27;color:#eee}form{background:#27273a!important}
              input{background:#1a1a27;color:#eee}}
            form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.15);width:min(26rem,90vw)}
            h1{margin:0 0 1rem;font-size:1.5rem}label{display:block;margin-bottom:.25rem}
            input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #888;border-radius:4px}
            button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;background:#594ae2;color:#fff;border:0;border-radius:4px;cursor:pointer}
            .error{color:#c62828}.hint{font-size:.85rem;opacity:.8}
            </style>
            </head>
            <body>
            <form method="post" action="/login">
            <h1>aibench</h1>
            {{{alert}}}
            <label for="token">Access token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
            <input type="hidden" name="returnUrl" value="{{{back}}}">
            <button type="submit">Log in</button>
            <p class="hint">Open the link aibench printed when it started, or paste the token from <code>$AIBENCH_HOME/token</code>.</p>
            </form>
            </body>
            </html>
            """;
    }
}
