using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 18.6: the dashboard's session keys are in the database (migration 009), sealed under the master key: a cookie
/// signed by one replica is honoured by another with its own data folder — no shared folder — and the key ring in the
/// database holds no key in the clear.
/// </summary>
public abstract partial class SessionKeysContract
{
    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task A_session_signed_in_on_one_replica_is_honoured_by_another()
    {
        var database = await DatabaseAsync();
        await using var first = await TestServer.StartAsync(database);
        await using var second = await TestServer.StartAsync(database);
        Assert.NotEqual(first.DataDir, second.DataDir);

        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = first.Url,
        };
        var antiforgery = WebUtility.HtmlDecode(TokenInput().Match(await browser.GetStringAsync("signin")).Groups[1].Value);
        using var form = new FormUrlEncodedContent(
            new Dictionary<string, string> { ["token"] = TestServer.AdminToken, ["__RequestVerificationToken"] = antiforgery }
        );
        var signedIn = await browser.PostAsync("ui/signin", form);
        Assert.Equal("/", signedIn.Headers.Location!.OriginalString);
        var cookie = signedIn
            .Headers.GetValues("Set-Cookie")
            .Single(c => c.StartsWith("comfydoctor-session=", StringComparison.Ordinal))
            .Split(';')[0];

        using var other = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = second.Url,
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", cookie);
        request.Headers.Accept.ParseAdd("text/html");
        var page = await other.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Signed in as admin", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var scope = second.App.Services.CreateScope();
        var keys = await scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>().DataProtectionKeys.AsNoTracking().ToListAsync();
        var key = Assert.Single(keys);
        Assert.Matches("<sealed[^>]*>aesgcm1:", key.Xml!);
        Assert.DoesNotContain("<masterKey", key.Xml, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(first.DataDir, "keys")));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();
}

public sealed class SqliteSessionKeysTests : SessionKeysContract, IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "cdkeys-" + Guid.NewGuid().ToString("N")[..10] + ".db");

    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(_file);

    public void Dispose()
    {
        foreach (var file in new[] { _file, _file + "-wal", _file + "-shm" })
        {
            File.Delete(file);
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSessionKeysTests(Postgres postgres) : SessionKeysContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
