// Also published as `@hal/core/widget-snippet` for the dashboard: it runs in the browser, so this
// module imports nothing.

/**
 * The widget's embed snippet of the contract ("Widget"), filled with a project's public widget
 * `app_id` and the origin HAL serves the script from: the dashboard shows it, the MCP `get_project`
 * tool returns it.
 */
export const widgetSnippet = (appId: string, origin: string) =>
  `<script>
  window.HalWidget = window.HalWidget || function(){ (HalWidget.q = HalWidget.q || []).push(arguments) };
  HalWidget('init', { app_id: '${appId}' });
  // After your backend signed the user: HalWidget('identify', { user_id, user_hash });
</script>
<script async src="${origin}/widget/v1/hal-widget.js"></script>`;
