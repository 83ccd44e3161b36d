// dash-ag-grid cell renderer of /walkthroughs: a finding's status as a coloured badge
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

dagcomponentfuncs.FindingStatusBadge = function (props) {
    var tones = {open: "secondary", in_progress: "warning", done: "success"};
    var tone = tones[props.data && props.data.status] || "secondary";
    return React.createElement("span", {className: "badge text-bg-" + tone}, props.value);
};
