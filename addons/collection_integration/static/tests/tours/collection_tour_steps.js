import { stepUtils } from "@web_tour/tour_utils";

/**
 * The steps that open a menu item of the Collection app: the app, then the top menu, then
 * the item, as a user clicks them.
 */
export function openCollectionMenu(menuXmlid, itemXmlid, content) {
    return [
        ...stepUtils.goToAppSteps("collection_base.collection_menu_root", "Open the Collection app"),
        {
            content: "Open the top menu",
            trigger: `.o-dropdown[data-menu-xmlid='${menuXmlid}']`,
            run: "click",
        },
        {
            content,
            trigger: `.o-dropdown-item[data-menu-xmlid='${itemXmlid}']`,
            run: "click",
        },
    ];
}
