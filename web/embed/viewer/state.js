// The viewer's state: camera, hover, selection, filters. The frame reads it; whoever changes it
// asks for one redraw (nothing redraws on its own).

export function createState(preset) {
  return {
    camera: { x: 0, y: 0, scale: 1, fitScale: 1 },
    hovered: -1,
    selected: -1,
    interacting: false,
    filters: {
      hiddenKinds: new Set(),
      hiddenCommunities: new Set(),
      hideHierarchy: !!preset.hide_hierarchy,
      hideOrphans: !!preset.hide_orphans,
      depth: 0,
    },
    labels: preset.labels !== false,
  };
}

