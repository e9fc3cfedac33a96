using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace ComfyDoctor.Server.Tests.Catalog;

/// <summary>
/// The catalog refreshed from a configured URL: a real Kestrel file server on 127.0.0.1 (ETag, Last-Modified, 304 as
/// ASP.NET's static files answer them) serves copies of ComfyUI-Manager's real files. Unchanged files cost a 304; a
/// malformed or unreachable source keeps the last good catalog and says so.
/// </summary>
public sealed class CatalogRefreshTests
{
    [Fact]
    public async Task A_url_source_is_asked_conditionally_and_a_failed_refresh_keeps_the_last_good_catalog()
    {
        var folder = Directory.CreateTempSubdirectory("cdcatsrc-");
        try
        {
            foreach (var file in new[] { CorpusFiles.NodeMap, CorpusFiles.NodeList, CorpusFiles.GithubStats })
            {
                File.Copy(file, Path.Combine(folder.FullName, Path.GetFileName(file)));
            }

            var answers = new List<int>();
            var files = await StartFileServerAsync(folder.FullName, answers);
            await using (files.App)
            {
                await using var server = await TestServer.StartAsync(configure: o =>
                    o with
                    {
                        NodeCatalogSource = files.Url,
                        NodeCatalogRefresh = TimeSpan.FromHours(1),
                    }
                );
                using var admin = server.Admin();
                await StartRefreshDoneAsync(admin);
                var first = await RefreshAsync(admin);
                Assert.False(first.TryGetProperty("error", out _), first.ToString());
                var status = JsonDocument.Parse(await admin.GetStringAsync("admin/node-catalog")).RootElement;
                Assert.Equal(3, status.GetProperty("files").GetArrayLength());
                Assert.All(status.GetProperty("files").EnumerateArray(), f => Assert.Equal(files.Url, f.GetProperty("source").GetString()));
                var version = status.GetProperty("version").GetInt64();

                lock (answers)
                {
                    answers.Clear();
                }

                var again = await RefreshAsync(admin);
                Assert.False(again.TryGetProperty("error", out _), again.ToString());
                lock (answers)
                {
                    Assert.Equal([304, 304, 304], answers); // every file asked conditionally, none sent again
                }

                Assert.Equal(
                    version,
                    JsonDocument.Parse(await admin.GetStringAsync("admin/node-catalog")).RootElement.GetProperty("version").GetInt64()
                );

                await File.WriteAllTextAsync(
                    Path.Combine(folder.FullName, "extension-node-map.json"),
                    "{\"https://github.com/a/b\": [[\"X\"], {}],\n"
                );
                var broken = await RefreshAsync(admin);
                Assert.Contains("extension-node-map.json", broken.GetProperty("error").GetString(), StringComparison.Ordinal);
                var kept = JsonDocument.Parse(await admin.GetStringAsync("admin/node-catalog")).RootElement;
                Assert.Equal(version, kept.GetProperty("version").GetInt64());
                Assert.True(kept.GetProperty("packs").GetInt32() > 5000);
                Assert.Contains(
                    "extension-node-map.json",
                    kept.GetProperty("refresh").GetProperty("error").GetString(),
                    StringComparison.Ordinal
                );

                await files.App.StopAsync();
                var away = await RefreshAsync(admin);
                Assert.Contains("cannot read", away.GetProperty("error").GetString(), StringComparison.Ordinal);
                var still = JsonDocument.Parse(await admin.GetStringAsync("admin/node-catalog")).RootElement;
                Assert.True(still.GetProperty("packs").GetInt32() > 5000);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The server refreshes once as it starts; the test's own refreshes come after it.</summary>
    private static async Task StartRefreshDoneAsync(HttpClient admin)
    {
        for (var i = 0; i < 600; i++)
        {
            var refresh = JsonDocument.Parse(await admin.GetStringAsync("admin/node-catalog")).RootElement.GetProperty("refresh");
            if (refresh.TryGetProperty("checkedAt", out var at) && at.ValueKind != JsonValueKind.Null)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the server's start-up refresh did not finish");
    }

    private static async Task<JsonElement> RefreshAsync(HttpClient admin)
    {
        var answer = await admin.PostAsync("admin/node-catalog/refresh", null);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task<(WebApplication App, string Url)> StartFileServerAsync(string folder, List<int> answers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Use(
            async (context, next) =>
            {
                await next(context);
                lock (answers)
                {
                    answers.Add(context.Response.StatusCode);
                }
            }
        );
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(folder), RequestPath = "/catalog" });
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, url + "/catalog");
    }
}
