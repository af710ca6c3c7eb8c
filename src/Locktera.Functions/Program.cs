using Locktera.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<WorkerPipelineMiddleware>();
builder.Services.AddLocktera(builder.Configuration);
// In Azure: logs and requests to Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING, identity-based ingestion).
builder.Services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();
var host = builder.Build();
host.Services.ValidateConfiguration();
host.Run();
