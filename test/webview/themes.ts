// A subset of the CSS variables VS Code injects into webviews, with the values of its default
// "Light Modern", "Dark Modern" and "Dark High Contrast" themes, so the panel can be screenshot in
// each outside VS Code.
const common = `
  --vscode-font-family: system-ui, -apple-system, "Segoe UI", "Ubuntu", "Droid Sans", sans-serif;
  --vscode-font-size: 13px;
  --vscode-font-weight: normal;
  --vscode-editor-font-family: "Droid Sans Mono", "monospace", monospace;
`;

export const THEMES: Record<'light' | 'dark' | 'hc', { bodyClass: string; css: string }> = {
  light: {
    bodyClass: 'vscode-light',
    css: `:root {${common}
  --vscode-foreground: #3b3b3b;
  --vscode-descriptionForeground: #3b3b3b;
  --vscode-errorForeground: #f85149;
  --vscode-editor-background: #ffffff;
  --vscode-panel-border: #e5e5e5;
  --vscode-widget-border: #e5e5e5;
  --vscode-focusBorder: #005fb8;
  --vscode-contrastBorder: transparent;
  --vscode-button-background: #005fb8;
  --vscode-button-foreground: #ffffff;
  --vscode-button-hoverBackground: #0258a8;
  --vscode-button-secondaryBackground: #e5e5e5;
  --vscode-button-secondaryForeground: #3b3b3b;
  --vscode-button-secondaryHoverBackground: #cccccc;
  --vscode-button-border: #0000001a;
  --vscode-dropdown-background: #ffffff;
  --vscode-dropdown-foreground: #3b3b3b;
  --vscode-dropdown-border: #cecece;
  --vscode-dropdown-listBackground: #ffffff;
  --vscode-input-background: #ffffff;
  --vscode-input-foreground: #3b3b3b;
  --vscode-input-border: #cecece;
  --vscode-input-placeholderForeground: #767676;
  --vscode-checkbox-background: #f8f8f8;
  --vscode-checkbox-border: #cecece;
  --vscode-list-hoverBackground: #f2f2f2;
  --vscode-list-activeSelectionBackground: #e8e8e8;
  --vscode-list-activeSelectionForeground: #000000;
  --vscode-editorGroupHeader-tabsBackground: #f8f8f8;
  --vscode-sideBar-background: #f8f8f8;
  --vscode-editorWarning-foreground: #bf8803;
  --vscode-progressBar-background: #005fb8;
  --vscode-charts-foreground: #616161;
  --vscode-charts-lines: rgba(97, 97, 97, 0.5);
  --vscode-charts-red: #e51400;
  --vscode-charts-blue: #1a85ff;
  --vscode-charts-yellow: #bf8803;
  --vscode-charts-orange: #d18616;
  --vscode-charts-green: #388a34;
  --vscode-charts-purple: #652d90;
}`,
  },
  dark: {
    bodyClass: 'vscode-dark',
    css: `:root {${common}
  --vscode-foreground: #cccccc;
  --vscode-descriptionForeground: #9d9d9d;
  --vscode-errorForeground: #f85149;
  --vscode-editor-background: #1f1f1f;
  --vscode-panel-border: #2b2b2b;
  --vscode-widget-border: #313131;
  --vscode-focusBorder: #0078d4;
  --vscode-contrastBorder: transparent;
  --vscode-button-background: #0078d4;
  --vscode-button-foreground: #ffffff;
  --vscode-button-hoverBackground: #026ec1;
  --vscode-button-secondaryBackground: #313131;
  --vscode-button-secondaryForeground: #cccccc;
  --vscode-button-secondaryHoverBackground: #3c3c3c;
  --vscode-button-border: #ffffff12;
  --vscode-dropdown-background: #313131;
  --vscode-dropdown-foreground: #cccccc;
  --vscode-dropdown-border: #3c3c3c;
  --vscode-dropdown-listBackground: #1f1f1f;
  --vscode-input-background: #313131;
  --vscode-input-foreground: #cccccc;
  --vscode-input-border: #3c3c3c;
  --vscode-input-placeholderForeground: #989898;
  --vscode-checkbox-background: #313131;
  --vscode-checkbox-border: #3c3c3c;
  --vscode-list-hoverBackground: #2a2d2e;
  --vscode-list-activeSelectionBackground: #04395e;
  --vscode-list-activeSelectionForeground: #ffffff;
  --vscode-editorGroupHeader-tabsBackground: #181818;
  --vscode-sideBar-background: #181818;
  --vscode-editorWarning-foreground: #cca700;
  --vscode-progressBar-background: #0078d4;
  --vscode-charts-foreground: #cccccc;
  --vscode-charts-lines: rgba(204, 204, 204, 0.5);
  --vscode-charts-red: #f14c4c;
  --vscode-charts-blue: #3794ff;
  --vscode-charts-yellow: #cca700;
  --vscode-charts-orange: #d18616;
  --vscode-charts-green: #89d185;
  --vscode-charts-purple: #b180d7;
}`,
  },
  hc: {
    bodyClass: 'vscode-high-contrast',
    css: `:root {${common}
  --vscode-foreground: #ffffff;
  --vscode-descriptionForeground: #ffffff;
  --vscode-errorForeground: #f48771;
  --vscode-editor-background: #000000;
  --vscode-panel-border: #6fc3df;
  --vscode-widget-border: #6fc3df;
  --vscode-focusBorder: #f38518;
  --vscode-contrastBorder: #6fc3df;
  --vscode-contrastActiveBorder: #f38518;
  --vscode-button-background: #000000;
  --vscode-button-foreground: #ffffff;
  --vscode-button-border: #6fc3df;
  --vscode-button-secondaryBackground: #000000;
  --vscode-button-secondaryForeground: #ffffff;
  --vscode-dropdown-background: #000000;
  --vscode-dropdown-foreground: #ffffff;
  --vscode-dropdown-border: #6fc3df;
  --vscode-dropdown-listBackground: #000000;
  --vscode-input-background: #000000;
  --vscode-input-foreground: #ffffff;
  --vscode-input-border: #6fc3df;
  --vscode-input-placeholderForeground: #ffffffb3;
  --vscode-checkbox-background: #000000;
  --vscode-checkbox-border: #6fc3df;
  --vscode-list-hoverBackground: #000000;
  --vscode-list-activeSelectionBackground: #000000;
  --vscode-list-activeSelectionForeground: #ffffff;
  --vscode-editorGroupHeader-tabsBackground: #000000;
  --vscode-sideBar-background: #000000;
  --vscode-editorWarning-foreground: #ffd370;
  --vscode-progressBar-background: #6fc3df;
  --vscode-charts-foreground: #ffffff;
  --vscode-charts-lines: rgba(255, 255, 255, 0.5);
  --vscode-charts-red: #f14c4c;
  --vscode-charts-blue: #3794ff;
  --vscode-charts-yellow: #ffd370;
  --vscode-charts-orange: #ff8c00;
  --vscode-charts-green: #89d185;
  --vscode-charts-purple: #b180d7;
}`,
  },
};
