using System.Security.Claims;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Schedule;

/// <summary><c>PUT /admin/schedule {cron, deep?}</c> (standard 5-field cron, UTC) and <c>GET /admin/schedule</c>.</summary>
public static class ScheduleApi
{
    public sealed record ScheduleRequest(string Cron, bool? Deep);

    public static void MapSchedule(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Schedule");
        admin.MapPut("/schedule", SetAsync);
        admin.MapGet(
            "/schedule",
            async Task<Results<Ok<FleetSchedule.Setting>, ProblemHttpResult>> (FleetSchedule schedule, CancellationToken ct) =>
                await schedule.ReadAsync(ct) is { } setting
                    ? TypedResults.Ok(setting)
                    : ProblemTypes.NoSchedule.Because("no schedule set").ToProblem()
        );
    }

    private static async Task<Results<Ok<DateTimeOffset>, ProblemHttpResult>> SetAsync(
        ScheduleRequest request,
        ClaimsPrincipal user,
        FleetSchedule schedule,
        CancellationToken ct
    ) => (await schedule.SetAsync(request.Cron, request.Deep ?? false, user.Identity!.Name!, ct)).OkOrProblem();
}
