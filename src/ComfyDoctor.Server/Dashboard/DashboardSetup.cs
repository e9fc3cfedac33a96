using ComfyDoctor.Server.Dashboard.Components;
using ComfyDoctor.Server.Dashboard.Data;
using ComfyDoctor.Server.Security;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Dashboard;

/// <summary>The web dashboard: Razor Components rendered on the server (no interactivity, no script but the repair page's
/// EventSource), sign-in and the actions its forms post to.</summary>
public static class DashboardSetup
{
    public static void AddDashboard(this IServiceCollection services, ServerOptions options)
    {
        services.AddRazorComponents();
        services.AddDashboardAuthentication(options);
        services.AddSingleton<ScanSummaries>();
        services.AddScoped<FleetQuery>();
    }

    public static void MapDashboard(this WebApplication app)
    {
        app.MapRazorComponents<App>().RequireAuthorization(DashboardAuthentication.ReadPolicy);
        app.MapSessionEndpoints();
        app.MapDashboardActions();
    }
}
